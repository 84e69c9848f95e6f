// A release: the site as it was at one site version, kept in the data dir so
// that any node can later be compiled at it (a rollout's stable and target
// releases, a rollback) whatever the site directory holds by then. Files are
// stored by SHA-256 in a content store shared by all releases, so a release
// that changes one file of a thousand adds one file.
import { readFile, readlink, lstat } from "node:fs/promises";
import { join } from "node:path";
import { contentHashOf, listSiteFiles, siteFileHash } from "../../catalog/site-version.js";
import type { ContentStore } from "../catalogs/content-store.js";
import type { ReleaseFile } from "../store/store.js";

export type Snapshot = { ok: true; files: ReleaseFile[] } | { ok: false; reason: string };

/**
 * Copies the site's files into `blobs` and lists them. The site may be
 * edited while this reads it: what was read must hash to `version`'s content
 * part, or the snapshot is not taken (the next check-in sees the new version).
 */
export async function snapshotSite(siteDir: string, version: string, blobs: ContentStore): Promise<Snapshot> {
  const files: ReleaseFile[] = [];
  for (const rel of listSiteFiles(siteDir)) {
    const full = join(siteDir, rel);
    const st = await lstat(full);
    if (st.isSymbolicLink()) {
      const link = await readlink(full);
      files.push({ path: rel, sha256: siteFileHash({ linkTarget: link }), size: 0, mode: st.mode & 0o7777, link });
      continue;
    }
    const bytes = await readFile(full);
    const sha256 = siteFileHash({ bytes });
    await blobs.put(sha256, bytes);
    files.push({ path: rel, sha256, size: bytes.length, mode: st.mode & 0o7777 });
  }
  const content = `sha256:${contentHashOf(files.map((f) => [f.path, f.sha256]))}`;
  if (!version.endsWith(content)) return { ok: false, reason: `the site changed while it was read (read ${content}, expected the content of ${version})` };
  return { ok: true, files };
}
