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
// Those calls are synchronous: for a few hundred files the thread-pool round
// trips of the promise API cost several times the calls themselves, and this
// runs on every check-in and every compile.
import { lstatSync, readdirSync, readFileSync, readlinkSync, type Stats } from "node:fs";
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
  const content = `sha256:${contentHash(root)}`;
  const commit = headCommit(root);
  return commit ? `git:${commit}+${content}` : content;
}

function contentHash(root: string): string {
  const previous = cache.get(root) ?? new Map<string, Cached>();
  const current = new Map<string, Cached>();
  for (const rel of listSiteFiles(root)) current.set(rel, hashFile(root, rel, previous.get(rel)));
  // Replaced rather than merged, so that deleted files do not linger in the cache.
  cache.set(root, current);
  return contentHashOf([...current].map(([rel, entry]) => [rel, entry.hash]));
}

/** The content part of a site version from each file's path and hash (siteFileHash), in listSiteFiles order. */
export function contentHashOf(entries: [rel: string, hash: string][]): string {
  return sha256Hex(entries.map(([rel, hash]) => `${rel}\0${hash}\n`).join(""));
}

/** A file's hash in the site version: of its bytes, or of its target path for a symlink. */
export function siteFileHash(file: { bytes: Uint8Array } | { linkTarget: string }): string {
  return "linkTarget" in file ? sha256Hex(`link:${file.linkTarget}`) : sha256Hex(file.bytes);
}

/** Relative paths (with `/`) of the site's files and symlinks, sorted, skipping .git. */
export function listSiteFiles(root: string): string[] {
  return listFiles(root, "").sort();
}

function listFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = dir === "" ? entry.name : `${dir}/${entry.name}`;
    if (entry.name === ".git") continue;
    if (entry.isDirectory()) out.push(...listFiles(root, rel));
    else if (entry.isFile() || entry.isSymbolicLink()) out.push(rel);
  }
  return out;
}

function hashFile(root: string, rel: string, cached: Cached | undefined): Cached {
  const full = path.join(root, rel);
  const st: Stats = lstatSync(full);
  // ino and ctime too: an atomic replace (new inode) or a same-size rewrite within one mtime tick still shows.
  const signature = `${st.size} ${st.mtimeMs} ${st.ctimeMs} ${st.ino}`;
  if (cached?.signature === signature) return cached;
  // A link is hashed as its target path; what it points to inside the site is hashed on its own.
  const hash = siteFileHash(st.isSymbolicLink() ? { linkTarget: readlinkSync(full) } : { bytes: readFileSync(full) });
  return { signature, hash };
}

/** The HEAD commit of the repository holding `dir`, or undefined when there is none or it cannot be read cheaply. */
function headCommit(dir: string): string | undefined {
  const gitDir = findGitDir(dir);
  if (!gitDir) return undefined;
  const head = readText(path.join(gitDir, "HEAD"))?.trim();
  if (!head) return undefined;
  if (!head.startsWith("ref: ")) return isSha(head) ? head : undefined;
  const ref = head.slice("ref: ".length);
  // Worktrees keep HEAD in their own git dir but the refs in the common one.
  const common = readText(path.join(gitDir, "commondir"))?.trim();
  const refsDir = common ? path.resolve(gitDir, common) : gitDir;
  const loose = readText(path.join(refsDir, ref))?.trim();
  if (loose && isSha(loose)) return loose;
  const packed = readText(path.join(refsDir, "packed-refs")) ?? "";
  const line = packed.split("\n").find((l) => l.endsWith(` ${ref}`));
  const sha = line?.split(" ")[0];
  return sha && isSha(sha) ? sha : undefined;
}

function findGitDir(start: string): string | undefined {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const dotGit = path.join(dir, ".git");
    const st = lstatOrUndefined(dotGit);
    if (st?.isDirectory()) return dotGit;
    if (st?.isFile()) {
      // A worktree or submodule: `.git` is a file saying `gitdir: <path>`.
      const pointer = readText(dotGit)?.match(/^gitdir: (.+)$/m)?.[1];
      return pointer ? path.resolve(dir, pointer.trim()) : undefined;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

function lstatOrUndefined(file: string): Stats | undefined {
  try {
    return lstatSync(file);
  } catch {
    return undefined;
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

function isSha(s: string): boolean {
  return /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(s);
}
