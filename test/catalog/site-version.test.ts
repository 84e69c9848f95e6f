// The site version changes whenever a file of the site does, and only then;
// in a git repository the HEAD commit is shown in front of the content hash.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import t, { type Test } from "tap";
import { siteVersion } from "../../catalog/site-version.js";

/** A site outside any repository (tap's test dirs live inside this project's git work tree). */
function plainSite(t: Test): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ancla-site-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, "modules/base/files"), { recursive: true });
  writeFileSync(path.join(dir, "nodes.yaml"), 'nodes:\n  - match: "*"\n    modules: [base]\n');
  writeFileSync(path.join(dir, "modules/base/module.yaml"), "resources: []\n");
  writeFileSync(path.join(dir, "modules/base/files/motd"), "hello\n");
  return dir;
}

const HASH = /^sha256:[0-9a-f]{64}$/;

t.test("outside a repository the version is a content hash, stable while nothing changes", async (t) => {
  const dir = plainSite(t);
  const first = await siteVersion(dir);
  t.match(first, HASH);
  t.equal(await siteVersion(dir), first);
  t.equal(await siteVersion(dir + "/"), first, "the same dir spelled differently");
});

t.test("changing, adding, removing or renaming a file changes the version", async (t) => {
  const dir = plainSite(t);
  const versions = [await siteVersion(dir)];
  const motd = path.join(dir, "modules/base/files/motd");
  const steps: [string, () => void][] = [
    ["same size, new bytes", () => writeFileSync(motd, "HELLO\n")],
    ["added", () => writeFileSync(path.join(dir, "modules/base/files/extra"), "x")],
    ["emptied", () => writeFileSync(path.join(dir, "modules/base/files/extra"), "")],
    ["removed", () => unlinkSync(path.join(dir, "modules/base/files/extra"))],
    ["renamed", () => execFileSync("mv", [motd, motd + "2"])],
    ["symlink", () => symlinkSync("motd2", motd)],
  ];
  for (const [what, change] of steps) {
    change();
    const v = await siteVersion(dir);
    t.not(v, versions[versions.length - 1], what);
    versions.push(v);
  }
  t.equal(versions[4], versions[1], "removing the added file gives back the version from before it was added");
  t.equal(new Set(versions).size, versions.length - 1, "otherwise every state has its own version");
});

t.test("a rewrite that keeps size and mtime is still seen (ctime and inode are in the signature)", async (t) => {
  const dir = plainSite(t);
  const motd = path.join(dir, "modules/base/files/motd");
  const before = await siteVersion(dir);
  const stamp = new Date("2024-01-01T00:00:00Z");
  writeFileSync(motd, "HELLO\n");
  utimesSync(motd, stamp, stamp);
  const after = await siteVersion(dir);
  t.not(after, before);
  writeFileSync(motd, "hello\n");
  utimesSync(motd, stamp, stamp);
  t.equal(await siteVersion(dir), before, "back to the same bytes, back to the same version");
});

t.test(".git is not part of the content", async (t) => {
  const dir = plainSite(t);
  const before = await siteVersion(dir);
  mkdirSync(path.join(dir, ".git"));
  writeFileSync(path.join(dir, ".git/junk"), "x");
  // Not a valid repository (no HEAD), so no commit either: only the content hash, unchanged.
  t.equal(await siteVersion(dir), before);
});

t.test("in a git repository the HEAD commit comes first, the content hash still decides", async (t) => {
  const dir = plainSite(t);
  const git = (...args: string[]): string => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", ...args], { cwd: dir, encoding: "utf8" }).trim();
  const contentOnly = await siteVersion(dir);
  git("init", "-q", "-b", "main");
  git("add", ".");
  git("commit", "-q", "-m", "site");
  const head = git("rev-parse", "HEAD");
  t.equal(await siteVersion(dir), `git:${head}+${contentOnly}`);
  t.match(await siteVersion(path.join(dir, "modules")), new RegExp(`^git:${head}\\+sha256:[0-9a-f]{64}$`), "a site in a subdirectory of the repository");

  writeFileSync(path.join(dir, "nodes.yaml"), "nodes: []\n");
  const dirty = await siteVersion(dir);
  t.not(dirty, `git:${head}+${contentOnly}`, "a dirty tree is not taken for the commit");
  t.ok(dirty.startsWith(`git:${head}+sha256:`));

  git("commit", "-q", "-am", "edit");
  git("pack-refs", "--all");
  t.equal(await siteVersion(dir), dirty.replace(head, git("rev-parse", "HEAD")), "refs packed: still read without spawning git");
});
