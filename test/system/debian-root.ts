// A real Debian bookworm root for system tests. debootstrap builds it once
// (minbase plus systemd, so it can also boot under systemd-nspawn) into a
// temp dir that is renamed into the cache, under a lock, so parallel test
// files never see a half-built root nor build it twice; each test then gets a fresh overlay of it (instant, and
// the cache is never written). The agent runs INSIDE the root: this checkout
// is bind-mounted read-only at /ancla and this node binary at
// /usr/local/bin/node, so what runs is the built dist/ as it is.
import t, { type Test } from "tap";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { underBuildLock } from "../../packaging/build-lock.js";

export const PROJECT = resolve(fileURLToPath(import.meta.url), "../../..");
const CACHE = process.env.ANCLA_TEST_CACHE ?? "/var/cache/ancla-test";
const SUITE = "bookworm";
const INCLUDE = ["systemd", "systemd-sysv", "dbus"];
/** Change when the build steps change, so an old cache is not reused. */
const BUILD_VERSION = "1";
const AGENT = "/ancla/dist/agent/cli/main.js";

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A tap test with a fresh root (a chroot with /proc and /dev, unless `boot`
 * is meant to follow), closed afterwards; skipped with the reason where
 * system tests cannot run.
 */
export function rootTest(name: string, body: (root: DebianRoot, t: Test) => Promise<void>, opts: { chroot?: boolean; skip?: string | false } = {}): void {
  t.test(name, { skip: skipReason() ?? opts.skip ?? false }, async (t) => {
    const root = DebianRoot.open();
    t.teardown(() => root.close());
    if (opts.chroot !== false) root.enterable();
    await body(root, t);
  });
}

/** Why these tests cannot run here, or undefined when they can. */
export function skipReason(): string | undefined {
  if (process.platform !== "linux") return "system tests need Linux";
  if (process.getuid?.() !== 0) return "system tests need root (debootstrap, chroot, mounts)";
  if (!commandExists("debootstrap")) return "debootstrap is missing: apt-get install debootstrap";
  if (!existsSync(join(PROJECT, AGENT.replace("/ancla/", "")))) return "dist/ is missing: run `npx tsc -p tsconfig.build.json` first";
  return undefined;
}

export function commandExists(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`]).status === 0;
}

/** The cached root, built now when missing (a few minutes, once). */
export function cachedRoot(): string {
  const key = createHash("sha256")
    .update([SUITE, ...INCLUDE, BUILD_VERSION].join(" "))
    .digest("hex")
    .slice(0, 12);
  const root = join(CACHE, `debian-${SUITE}-${key}`);
  if (existsSync(join(root, ".ancla-complete"))) return root;
  mkdirSync(CACHE, { recursive: true });
  // One builder at a time (test files run in parallel); the others wait for its root.
  return underBuildLock(
    `${root}.lock`,
    () => (existsSync(join(root, ".ancla-complete")) ? root : undefined),
    () => build(root),
  );
}

function build(root: string): string {
  const building = mkdtempSync(join(CACHE, ".building-"));
  try {
    must("debootstrap", ["--variant=minbase", `--include=${INCLUDE.join(",")}`, SUITE, building, mirror()]);
    configureApt(building);
    writeFileSync(join(building, ".ancla-complete"), `${new Date().toISOString()}\n`);
    renameSync(building, root);
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return root;
}

/** The Debian mirror apt uses on this host (deb822 or one-line sources), so debootstrap needs nothing else. */
export function mirror(): string {
  const sources = ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"]
    .filter(existsSync)
    .map((p) => readFileSync(p, "utf8"))
    .join("\n");
  const uri = /^URIs:\s*(\S+\/debian)\/?\s*$/m.exec(sources)?.[1] ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s+/m.exec(sources)?.[1];
  return uri ?? "http://deb.debian.org/debian";
}

/** The host's Debian sources and resolver inside the root, and fresh package lists. */
function configureApt(root: string): void {
  const deb822 = "/etc/apt/sources.list.d/debian.sources";
  if (existsSync(deb822)) {
    copyFileSync(deb822, join(root, deb822));
    rmSync(join(root, "etc/apt/sources.list"), { force: true });
  }
  copyFileSync("/etc/resolv.conf", join(root, "etc/resolv.conf"));
  must("chroot", [root, "apt-get", "update", "-qq"]);
}

/** A fresh, writable copy of the cached root for one test; `close()` unmounts everything and removes it. */
export class DebianRoot {
  private readonly mounts: string[] = [];
  private booted?: { nspawn: ReturnType<typeof spawn>; leader: number };

  private constructor(
    readonly dir: string,
    readonly path: string,
  ) {}

  static open(): DebianRoot {
    const lower = cachedRoot();
    const dir = mkdtempSync(join(tmpdir(), "ancla-root-"));
    for (const sub of ["upper", "work", "root"]) mkdirSync(join(dir, sub));
    const root = new DebianRoot(dir, join(dir, "root"));
    root.mount(["-t", "overlay", "overlay", "-o", `lowerdir=${lower},upperdir=${join(dir, "upper")},workdir=${join(dir, "work")}`, root.path]);
    copyFileSync("/etc/resolv.conf", join(root.path, "etc/resolv.conf"));
    mkdirSync(join(root.path, "ancla"));
    writeFileSync(join(root.path, "usr/local/bin/node"), "");
    root.bindReadOnly(PROJECT, join(root.path, "ancla"));
    root.bindReadOnly(process.execPath, join(root.path, "usr/local/bin/node"));
    return root;
  }

  /** For chroot runs: /proc and /dev as the agent and apt expect them. */
  enterable(): this {
    this.mount(["-t", "proc", "proc", join(this.path, "proc")]);
    this.mount(["--bind", "/dev", join(this.path, "dev")]);
    return this;
  }

  /** A path inside the root, as seen from the host. */
  at(path: string): string {
    return join(this.path, path);
  }

  /** A shell command inside the root (chroot, or in the booted container). */
  sh(script: string): Run {
    return this.run(["/bin/sh", "-c", script]);
  }

  /** `ancla-agent apply --catalog` inside the root, with its JSON report parsed. */
  apply(catalog: unknown, ...flags: string[]): Run & { report: Report } {
    // Not /tmp: a booted container mounts a fresh tmpfs there.
    writeFileSync(this.at("root/catalog.json"), JSON.stringify(catalog));
    const result = this.run(["/usr/local/bin/node", AGENT, "apply", "--catalog", "/root/catalog.json", "--json", ...flags]);
    let report: Report;
    try {
      report = JSON.parse(result.stdout) as Report;
    } catch {
      throw new Error(`the agent printed no report (exit ${result.code}): ${result.stderr}`);
    }
    return { ...result, report };
  }

  /**
   * Boots the root's systemd under systemd-nspawn; later commands run inside
   * it through nsenter. Throws when it cannot boot here (say why in the test).
   */
  async boot(timeoutMs = 30_000): Promise<void> {
    if (needsNspawnScratch()) this.mount(["-t", "tmpfs", "tmpfs", NSPAWN_SCRATCH]);
    const nspawn = spawn("systemd-nspawn", ["-q", "-D", this.path, "-b", "--register=no", "--keep-unit", "--console=passive"], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    nspawn.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      if (nspawn.exitCode !== null) throw new Error(`systemd-nspawn exited with ${nspawn.exitCode}: ${stderr.trim()}`);
      const leader = childOf(nspawn.pid!);
      if (leader === undefined) continue;
      this.booted = { nspawn, leader };
      const state = this.run(["systemctl", "is-system-running"]).stdout.trim();
      if (state === "running" || state === "degraded") return;
      this.booted = undefined;
    }
    nspawn.kill("SIGKILL");
    throw new Error(`systemd did not come up within ${timeoutMs} ms under systemd-nspawn: ${stderr.trim()}`);
  }

  run(argv: string[]): Run {
    const enter = this.booted ? ["nsenter", "-t", String(this.booted.leader), "-a", "--"] : ["chroot", this.path];
    // tap's process tracking adds NODE_OPTIONS (an --import of a host path) to every child; not inside the root.
    const clean = ["/usr/bin/env", "-u", "NODE_OPTIONS"];
    const env = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C.UTF-8", HOME: "/root" };
    const result = spawnSync(enter[0], [...enter.slice(1), ...clean, ...argv], { encoding: "utf8", env, timeout: 240_000 });
    return { code: result.status ?? -1, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
  }

  async close(): Promise<void> {
    if (this.booted) {
      const { nspawn } = this.booted;
      this.booted = undefined;
      const exited = new Promise((r) => nspawn.once("exit", r));
      nspawn.kill("SIGTERM");
      const killer = setTimeout(() => nspawn.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(killer);
    }
    for (const target of this.mounts.reverse()) spawnSync("umount", ["-l", target]);
    this.mounts.length = 0;
    rmSync(this.dir, { recursive: true, force: true });
  }

  private mount(args: string[]): void {
    must("mount", args);
    this.mounts.push(args.at(-1)!);
  }

  private bindReadOnly(source: string, target: string): void {
    this.mount(["--bind", source, target]);
    must("mount", ["-o", "remount,bind,ro", target]);
  }
}

export interface Report {
  status: string;
  events?: { resource: string; property: string; desired?: string; actual?: string; result: string; message?: string; corrective?: boolean }[];
  counts?: { changed?: number; failed?: number };
}

const NSPAWN_SCRATCH = "/run/systemd/nspawn";

/**
 * systemd-nspawn refuses to clean up its scratch directory unless it is on a
 * tmpfs, as /run is on a systemd host; on hosts without systemd (containers,
 * CI runners) it needs one for the time of the boot.
 */
function needsNspawnScratch(): boolean {
  mkdirSync(NSPAWN_SCRATCH, { recursive: true });
  const mounts = readFileSync("/proc/mounts", "utf8");
  const onTmpfs = (path: string) => mounts.split("\n").some((l) => l.split(" ")[1] === path && l.split(" ")[2] === "tmpfs");
  return !onTmpfs("/run") && !onTmpfs(NSPAWN_SCRATCH);
}

/** The container's init: nspawn's child process. */
function childOf(pid: number): number | undefined {
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
      if (children) return Number(children.split(/\s+/)[0]);
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function must(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${result.status}): ${(result.stderr || result.stdout || String(result.error)).trim().slice(-2000)}`);
}
