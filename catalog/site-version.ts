// The version of a site, recorded in every catalog and asked for on every
// agent check-in, so it must be cheap and it must change whenever the site does.
//
// Why a content hash and not `git rev-parse HEAD`: a commit does not describe a
// dirty work tree (an operator editing in place, a deploy that copies files),
// and telling clean from dirty means spawning `git status`, far too slow per
// check-in. So the version is always a hash of the site's files, which is right
// whether or not the site is a repository. When it is one, the HEAD commit is
// added in front, read from .git/HEAD and the ref file without spawning git,
// purely so that people can tell which commit a catalog came from:
//   git:<commit>+sha256:<hash>   or   sha256:<hash>
//
// Cheap: each file's hash is cached against its stat signature, so for an
// unchanged tree a call is one readdir per directory and one stat per file.
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import path from "node:path";
import { sha256Hex } from "./canonical.js";

interface Cached {
  signature: string;
  hash: string;
}

/** Per site dir: relative path → hash of that file as of its signature. */
const cache = new Map<string, Map<string, Cached>>();

export async function siteVersion(siteDir: string): Promise<string> {
  const root = path.resolve(siteDir);
  const content = `sha256:${await contentHash(root)}`;
  const commit = await headCommit(root);
  return commit ? `git:${commit}+${content}` : content;
}

async function contentHash(root: string): Promise<string> {
  const previous = cache.get(root) ?? new Map<string, Cached>();
  const current = new Map<string, Cached>();
  const lines: string[] = [];
  for (const rel of (await listFiles(root, "")).sort()) {
    const entry = await hashFile(root, rel, previous.get(rel));
    current.set(rel, entry);
    lines.push(`${rel}\0${entry.hash}\n`);
  }
  // Replaced rather than merged, so that deleted files do not linger in the cache.
  cache.set(root, current);
  return sha256Hex(lines.join(""));
}

/** Relative paths (with `/`) of the files and symlinks under `dir`, skipping .git. */
async function listFiles(root: string, dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(root, dir), { withFileTypes: true })) {
    const rel = dir === "" ? entry.name : `${dir}/${entry.name}`;
    if (entry.name === ".git") continue;
    if (entry.isDirectory()) out.push(...(await listFiles(root, rel)));
    else if (entry.isFile() || entry.isSymbolicLink()) out.push(rel);
  }
  return out;
}

async function hashFile(root: string, rel: string, cached: Cached | undefined): Promise<Cached> {
  const full = path.join(root, rel);
  const st = await lstat(full);
  // ino and ctime too: an atomic replace (new inode) or a same-size rewrite within one mtime tick still shows.
  const signature = `${st.size} ${st.mtimeMs} ${st.ctimeMs} ${st.ino}`;
  if (cached?.signature === signature) return cached;
  // A link is hashed as its target path; what it points to inside the site is hashed on its own.
  const hash = st.isSymbolicLink() ? sha256Hex(`link:${await readlink(full)}`) : sha256Hex(await readFile(full));
  return { signature, hash };
}

/** The HEAD commit of the repository holding `dir`, or undefined when there is none or it cannot be read cheaply. */
async function headCommit(dir: string): Promise<string | undefined> {
  const gitDir = await findGitDir(dir);
  if (!gitDir) return undefined;
  const head = (await readText(path.join(gitDir, "HEAD")))?.trim();
  if (!head) return undefined;
  if (!head.startsWith("ref: ")) return isSha(head) ? head : undefined;
  const ref = head.slice("ref: ".length);
  // Worktrees keep HEAD in their own git dir but the refs in the common one.
  const common = (await readText(path.join(gitDir, "commondir")))?.trim();
  const refsDir = common ? path.resolve(gitDir, common) : gitDir;
  const loose = (await readText(path.join(refsDir, ref)))?.trim();
  if (loose && isSha(loose)) return loose;
  const packed = (await readText(path.join(refsDir, "packed-refs"))) ?? "";
  const line = packed.split("\n").find((l) => l.endsWith(` ${ref}`));
  const sha = line?.split(" ")[0];
  return sha && isSha(sha) ? sha : undefined;
}

async function findGitDir(start: string): Promise<string | undefined> {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const dotGit = path.join(dir, ".git");
    const st = await lstat(dotGit).catch(() => undefined);
    if (st?.isDirectory()) return dotGit;
    if (st?.isFile()) {
      // A worktree or submodule: `.git` is a file saying `gitdir: <path>`.
      const pointer = (await readText(dotGit))?.match(/^gitdir: (.+)$/m)?.[1];
      return pointer ? path.resolve(dir, pointer.trim()) : undefined;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

async function readText(file: string): Promise<string | undefined> {
  return readFile(file, "utf8").catch(() => undefined);
}

function isSha(s: string): boolean {
  return /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(s);
}
