// Releases (issue 13): the server keeps every site version it compiles from,
// its files by SHA-256 (shared between releases), with the git commit, author
// and subject when the site is a repository. A release keeps the files as
// they were, whatever the site holds later; `ancla release list|show` and
// /api/v1/releases show them.
import t from "tap";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dataDirPaths } from "../../server/datadir.js";
import { cli, git } from "../helpers/processes.js";
import { tempDir } from "./_helpers.js";
import { debianFacts, startRealServer, type RealServer } from "./_server.js";

interface Release {
  version: string;
  commit: string | null;
  author: string | null;
  subject: string | null;
  files: number;
}
interface Detail extends Release {
  manifest: { path: string; sha256: string; size: number; mode: string }[];
}

async function releases(server: RealServer, count: number): Promise<Release[]> {
  for (let i = 0; i < 200; i++) {
    const list = (await server.api("GET", "/api/v1/releases")).body as { releases: Release[] };
    if (list.releases.length >= count) return list.releases;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`fewer than ${count} releases kept`);
}

/** Every file under the release store. */
function blobs(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);
}

t.test("each site version is kept as a release, with its git labels, its files shared between releases", async (t) => {
  const server = await startRealServer(t);
  git(server.site, "init", "-q");
  git(server.site, "add", ".");
  git(server.site, "commit", "-q", "-m", "first site");
  const first = git(server.site, "rev-parse", "HEAD");
  const [agent] = await server.agents(["web-01"]);
  await agent.client.getCatalog({ facts: debianFacts(), haveDigest: "" });

  const [one] = await releases(server, 1);
  t.match(one, { version: new RegExp(`^git:${first}\\+sha256:[0-9a-f]{64}$`), commit: first, author: "Ada Lovelace <ada@example.com>", subject: "first site", files: 2 });
  const module = join(server.site, "modules/files/module.yaml");
  const v1 = readFileSync(module, "utf8");

  writeFileSync(module, v1.replace(/v1/g, "v2"));
  git(server.site, "commit", "-q", "-am", "second site");
  await agent.client.getCatalog({ facts: debianFacts(), haveDigest: "" });
  const [newest, older] = await releases(server, 2);
  t.equal(older.version, one.version, "the first release is kept");
  t.match(newest, { subject: "second site", commit: git(server.site, "rev-parse", "HEAD") }, "newest first");
  const store = dataDirPaths(server.dataDir).releases;
  t.equal(blobs(store).length, 3, "nodes.yaml is stored once for both releases, the module once per version");

  const shown = await server.api("GET", `/api/v1/releases/${encodeURIComponent(one.version)}`);
  t.equal(shown.status, 200, JSON.stringify(shown.body));
  const detail = shown.body as Detail;
  t.same(
    detail.manifest.map((f) => f.path),
    ["modules/files/module.yaml", "nodes.yaml"],
  );
  const kept = detail.manifest.find((f) => f.path === "modules/files/module.yaml")!;
  t.equal(readFileSync(join(store, kept.sha256.slice(0, 2), kept.sha256), "utf8"), v1, "the release holds the file as it was, not as the site holds it now");
  t.match(kept, { size: Buffer.byteLength(v1), mode: "0644" });

  const unknown = await server.api("GET", `/api/v1/releases/${encodeURIComponent("sha256:" + "0".repeat(64))}`);
  t.equal(unknown.status, 404);
  t.match(unknown.body, { error: { code: "ANCLA_E_NOT_FOUND", message: /release list/ } });

  const caFile = join(tempDir(t), "ca.crt");
  writeFileSync(caFile, server.ca.certPem);
  const flags = ["--url", server.url, "--token", server.adminToken, "--ca-file", caFile];
  const env = { ANCLA_URL: "", ANCLA_TOKEN: "", ANCLA_CA_FILE: "" };
  const listed = await cli("ancla", ["release", "list", ...flags], { env });
  t.equal(listed.code, 0, listed.stderr);
  t.match(listed.stdout, new RegExp(`^RELEASE .*\\n${newest.commit!.slice(0, 12)}\\+[0-9a-f]{12} .* second site\\n${first.slice(0, 12)}\\+[0-9a-f]{12} .* first site\\n$`, "s"));
  const byCommit = await cli("ancla", ["release", "show", first.slice(0, 8), ...flags, "--json"], { env });
  t.equal(byCommit.code, 0, byCommit.stderr);
  t.equal((JSON.parse(byCommit.stdout) as Detail).version, one.version, "a release is found by the first characters of its commit");
});
