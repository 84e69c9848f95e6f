// Release retention keeps the newest releases and every one a node or a
// rollout still references, whatever its age; the others go, with their
// laid-out trees and the stored files no kept release lists (files shared
// with a kept release stay, and so do files too young to be sure of).
import t from "tap";
import { existsSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { sha256Hex } from "../../catalog/canonical.js";
import { ContentStore } from "../../server/catalogs/content-store.js";
import { pruneReleases } from "../../server/releases/retention.js";
import { ReleaseTrees } from "../../server/releases/tree.js";
import { tempDir, tempStore } from "./_helpers.js";

t.test("old releases no node or rollout references are pruned with their files and trees", async (t) => {
  const { store } = tempStore(t);
  const dir = tempDir(t);
  const blobsDir = join(dir, "releases");
  const blobs = new ContentStore(blobsDir);
  const trees = new ReleaseTrees(join(dir, "trees"), blobs, async (v) => await store.releases.getRelease(v));
  const shared = Buffer.from("nodes: []\n");
  const versions: string[] = [];
  const hour = 3_600_000;
  const t0 = Date.parse("2026-12-01T00:00:00Z");
  for (let i = 0; i < 25; i++) {
    const own = Buffer.from(`release ${i}\n`);
    await blobs.put(sha256Hex(shared), shared);
    await blobs.put(sha256Hex(own), own);
    const version = `sha256:${sha256Hex(`v${i}`)}`;
    versions.push(version);
    await store.releases.saveRelease({
      version,
      firstSeenAt: new Date(t0 + i * hour),
      files: 2,
      bytes: shared.length + own.length,
      manifest: [
        { path: "nodes.yaml", sha256: sha256Hex(shared), size: shared.length, mode: 0o644 },
        { path: "own.txt", sha256: sha256Hex(own), size: own.length, mode: 0o644 },
      ],
    });
  }
  // Written long ago, except release 1's own file, written a moment ago (a release being kept may own it).
  for (let i = 0; i < 25; i++) {
    const file = blobs.pathOf(sha256Hex(`release ${i}\n`));
    if (i !== 1) utimesSync(file, new Date(t0), new Date(t0));
  }
  utimesSync(blobs.pathOf(sha256Hex(shared)), new Date(t0), new Date(t0));
  // web-01's current catalog is at release 0; a rollout references release 2; release 3's tree was laid out.
  await store.nodes.recordCheckin("web-01", {}, new Date(t0));
  await store.catalogs.saveCatalog({ certname: "web-01", serial: 1, digest: "d".repeat(64), siteVersion: versions[0], inputsKey: "k", envelope: new Uint8Array([1]), compiledAt: new Date(t0) });
  const tree3 = await trees.treeFor(versions[3]);
  const forgotten: string[] = [];

  const pruned = await pruneReleases({ store, referenced: () => [versions[2]], blobsDir, trees, keep: 20, onPruned: (v) => forgotten.push(v), now: () => new Date(t0 + 25 * hour) });
  t.same(pruned, { releases: 3, files: 2 }, "releases 1, 3 and 4 go; the files of 3 and 4 (1's is too young)");
  t.same(forgotten.sort(), [versions[1], versions[3], versions[4]].sort());
  const left = new Set((await store.releases.listReleases()).map((r) => r.version));
  t.equal(left.size, 22);
  t.ok(left.has(versions[0]), "a node's current catalog keeps its release");
  t.ok(left.has(versions[2]), "a rollout keeps its release");
  t.ok(left.has(versions[24]) && left.has(versions[5]), "the 20 newest are kept");
  t.notOk(existsSync(blobs.pathOf(sha256Hex("release 3\n"))), "a pruned release's own file is deleted");
  t.ok(existsSync(blobs.pathOf(sha256Hex("release 1\n"))), "a young file stays");
  t.ok(existsSync(blobs.pathOf(sha256Hex(shared))), "a file a kept release lists stays");
  t.notOk(existsSync(tree3), "a pruned release's tree is removed");
  t.same(await pruneReleases({ store, referenced: () => [versions[2]], blobsDir, trees, keep: 20 }), { releases: 0, files: 0 }, "nothing more to prune");
  t.same(
    await pruneReleases({ store, referenced: () => [], blobsDir, trees, keep: 20, now: () => new Date(t0 + 25 * hour) }),
    { releases: 1, files: 1 },
    "once the rollout has ended, its release goes too",
  );
});
