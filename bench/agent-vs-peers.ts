// The agent against its peers: Ancla, Puppet (`puppet apply`) and CFEngine
// (`cf-agent`) get the same desired state — N files with unique 4-line
// content (0644) in N/10 directories (0755), 3 execs guarded by `creates`, 2
// by `unless` — and are timed on: first converge, a no-change run, and drift
// repair (every 10th file edited and chmodded). Ancla runs in three modes, so
// its targets are measured beside cf-agent in one run:
// - "ancla": masterless `apply --catalog`, the catalog as JSON;
// - "ancla-run": `run --once` against a real `ancla-server` on loopback,
//   compiling a site (anclaSite()) for the node; bootstrapped once per N,
//   certificates kept between rounds, everything else in the state dir reset
//   so "first" fetches the catalog;
// - "ancla-site": masterless `apply SITE_DIR`, the same site compiled here;
// and "ancla facts", `ancla-agent facts`, once per round.
// Every Ancla mode runs the bundled agent on the runtime it ships with, Node
// 24 with its compile cache under the mode's own state (ANCLA_BENCH_NODE=path
// picks another). Wall, CPU (user+sys) and peak RSS from GNU time, median of R
// rounds, the tools alternated within each round. The trees they leave are
// compared: all must agree.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { Agent } from "node:https";
import { join, relative } from "node:path";
import { AGENT_NODE_FLAGS, ensureAgentRuntime } from "../packaging/agent-runtime.js";
import { AGENT_BUNDLE } from "../packaging/bundle-agent.js";
import { caFingerprint } from "../server/cli/fingerprint.js";
import { apiCall, initBenchDataDir, startBenchServer, type BenchServer } from "./server-process.js";

const ROOT = join(import.meta.dirname, "../..");
const WORK = "/var/tmp/ancla-bench-peers";

interface Tool {
  name: string;
  /** Writes the tool's input for `tree` (once per N). */
  prepare(tree: string, n: number): void | Promise<void>;
  /** The command converging `tree`. */
  command(tree: string): string[];
  /** Extra environment for the command. */
  env?: Record<string, string>;
  /** Forget state between rounds (so "first converge" is one). */
  reset(tree: string): void;
  /** Stops what prepare started (after the rounds of each N). */
  finish?(): Promise<void>;
}

interface Sample {
  wall: number;
  cpu: number;
  rssMb: number;
}

const dirs = (n: number) => Math.max(1, Math.floor(n / 10));
const fileAt = (tree: string, i: number, n: number) => join(tree, `d${i % dirs(n)}`, `f${i}.conf`);
const contentOf = (i: number) => `# managed file ${i}\nkey_${i} = value ${i * 7}\nsection = ${i % 13}\nend ${i}\n`;
// Commands set their umask: the tools run commands with different ones (cf-agent 077), and the trees must agree.
const execs = (tree: string) => ({
  creates: [0, 1, 2].map((i) => {
    const path = join(tree, "exec", `created-${i}`);
    return { name: `c${i}`, path, command: `/bin/sh -c 'umask 022; /usr/bin/touch ${path}'` };
  }),
  unless: [0, 1].map((i) => {
    const path = join(tree, "exec", `unless-${i}`);
    return { name: `u${i}`, path, command: `/bin/sh -c 'umask 022; echo x > ${path}'` };
  }),
});

function anclaCatalog(tree: string, n: number): object {
  const resources: object[] = [{ type: "file", title: tree, properties: { ensure: "directory", mode: "0755" } }];
  resources.push({ type: "file", title: join(tree, "exec"), properties: { ensure: "directory", mode: "0755" } });
  for (let d = 0; d < dirs(n); d++) resources.push({ type: "file", title: join(tree, `d${d}`), properties: { ensure: "directory", mode: "0755" } });
  for (let i = 0; i < n; i++) resources.push({ type: "file", title: fileAt(tree, i, n), properties: { ensure: "file", content: contentOf(i), mode: "0644" } });
  const e = execs(tree);
  for (const c of e.creates) resources.push({ type: "exec", title: c.name, properties: { command: c.command, creates: c.path, timeout: 60 } });
  for (const u of e.unless) resources.push({ type: "exec", title: u.name, properties: { command: u.command, unless: `/usr/bin/test -f ${u.path}`, timeout: 60 } });
  const execDir = `file:${join(tree, "exec")}`;
  const edges = [...e.creates, ...e.unless].map((x) => ({ from: execDir, to: `exec:${x.name}`, kind: "require" }));
  return { certname: "bench", siteVersion: "bench", resources, edges };
}

/**
 * anclaCatalog()'s desired state as a site in the site language, for
 * `apply SITE_DIR` and the server: the directories and files are declared once
 * each, with for_each over lists of indices in the data (as a site declares
 * many of a kind), titles and content computed from the index as fileAt() and
 * contentOf() compute them (the trees' comparison catches any difference); the
 * execs are written out from execs(), the commands every tool runs.
 */
function anclaSite(dir: string, tree: string, n: number): void {
  const range = (count: number) => JSON.stringify(Array.from({ length: count }, (_, i) => i));
  const e = execs(tree);
  const requireExecDir = `    require: ${JSON.stringify(`file:${join(tree, "exec")}`)}`;
  const module = [
    "params:",
    "  tree: { type: string }",
    "  dirs: { type: list, of: { type: int } }",
    "  files: { type: list, of: { type: int } }",
    "resources:",
    '  - { type: file, title: "${params.tree}", ensure: directory, mode: "0755" }',
    '  - { type: file, title: "${params.tree}/exec", ensure: directory, mode: "0755" }',
    "  - type: file",
    "    for_each: params.dirs",
    '    title: "${params.tree}/d${each}"',
    "    ensure: directory",
    '    mode: "0755"',
    "  - type: file",
    "    for_each: params.files",
    '    title: "${params.tree}/d${each % size(params.dirs)}/f${each}.conf"',
    '    content: "# managed file ${each}\\nkey_${each} = value ${each * 7}\\nsection = ${each % 13}\\nend ${each}\\n"',
    '    mode: "0644"',
    // JSON strings are YAML double-quoted scalars; the paths hold no "${" the compiler would read.
    ...e.creates.map((c) => `  - type: exec\n    title: ${c.name}\n    command: ${JSON.stringify(c.command)}\n    creates: ${JSON.stringify(c.path)}\n    timeout: 60\n${requireExecDir}`),
    ...e.unless.map(
      (u) => `  - type: exec\n    title: ${u.name}\n    command: ${JSON.stringify(u.command)}\n    unless: ${JSON.stringify(`/usr/bin/test -f ${u.path}`)}\n    timeout: 60\n${requireExecDir}`,
    ),
  ];
  rmSync(dir, { recursive: true, force: true });
  writeInput(join(dir, "nodes.yaml"), 'nodes:\n  - match: "*"\n    modules: [bench]\n');
  writeInput(join(dir, "modules", "bench", "module.yaml"), module.join("\n") + "\n");
  writeInput(join(dir, "data", "common.yaml"), `bench.tree: ${JSON.stringify(tree)}\nbench.dirs: ${range(dirs(n))}\nbench.files: ${range(n)}\n`);
}

const puppetString = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\$/g, "\\$")}"`;

function puppetManifest(tree: string, n: number): string {
  const out = [`file { '${tree}': ensure => directory, mode => '0755' }`, `file { '${join(tree, "exec")}': ensure => directory, mode => '0755' }`];
  for (let d = 0; d < dirs(n); d++) out.push(`file { '${join(tree, `d${d}`)}': ensure => directory, mode => '0755' }`);
  for (let i = 0; i < n; i++) out.push(`file { '${fileAt(tree, i, n)}': ensure => file, content => ${puppetString(contentOf(i))}, mode => '0644' }`);
  const e = execs(tree);
  const req = `require => File['${join(tree, "exec")}']`;
  for (const c of e.creates) out.push(`exec { '${c.name}': command => "${c.command}", creates => '${c.path}', ${req} }`);
  for (const u of e.unless) out.push(`exec { '${u.name}': command => "${u.command}", unless => '/usr/bin/test -f ${u.path}', ${req} }`);
  return out.join("\n") + "\n";
}

function cfPolicy(tree: string, n: number): string {
  const files = [`    "${tree}/." create => "true", perms => m("0755");`, `    "${join(tree, "exec")}/." create => "true", perms => m("0755");`];
  for (let d = 0; d < dirs(n); d++) files.push(`    "${join(tree, `d${d}`)}/." create => "true", perms => m("0755");`);
  // CFEngine strings take newlines literally; its escapes are for quotes only.
  for (let i = 0; i < n; i++) files.push(`    "${fileAt(tree, i, n)}" create => "true", content => "${contentOf(i)}", perms => m("0644");`);
  const e = execs(tree);
  const commands = [
    ...e.creates.map((c) => `    "${c.command}" contain => shell, if => not(fileexists("${c.path}"));`),
    ...e.unless.map((u) => `    "${u.command}" contain => shell, if => not(returnszero("/usr/bin/test -f ${u.path}", "noshell"));`),
  ];
  return [
    'body common control { bundlesequence => { "bench" }; }',
    'body perms m(mode) { mode => "$(mode)"; }',
    'body contain shell { useshell => "useshell"; }',
    "bundle agent bench {",
    "  files:",
    ...files,
    "  commands:",
    ...commands,
    "}",
    "",
  ].join("\n");
}

/**
 * The agent ships as one bundle on a current LTS runtime (packaging/agent-runtime.ts),
 * whose compile cache keeps V8 from re-compiling the bundle on every run; a
 * state reset drops the cache too, so "first" is a cold start.
 */
function anclaRuntime(): string {
  return process.env.ANCLA_BENCH_NODE ?? ensureAgentRuntime();
}

/** The bundle (`npm run bundle`), else the tsc build. */
function anclaAgentEntry(): string {
  return existsSync(AGENT_BUNDLE) ? AGENT_BUNDLE : join(ROOT, "dist/agent/cli/main.js");
}

const input = (name: string, file: string) => join(WORK, "inputs", name, file);
const anclaState = (mode: string) => join(WORK, "state", mode);
const anclaCommand = (...args: string[]) => [anclaRuntime(), ...AGENT_NODE_FLAGS, anclaAgentEntry(), ...args];
/** Each mode's compile cache lives in its state, so a reset makes "first" a cold start. */
const anclaEnv = (mode: string) => ({ NODE_COMPILE_CACHE: join(anclaState(mode), "compile-cache") });

/** Masterless: the catalog as JSON. */
function anclaCatalogMode(): Tool {
  return {
    name: "ancla",
    prepare: (tree, n) => writeInput(input("ancla", "catalog.json"), JSON.stringify(anclaCatalog(tree, n))),
    command: () => anclaCommand("apply", "--catalog", input("ancla", "catalog.json"), "--state-dir", anclaState("ancla")),
    env: anclaEnv("ancla"),
    reset: () => rmSync(anclaState("ancla"), { recursive: true, force: true }),
  };
}

/** Masterless: the site, compiled by the agent (its last compile kept in the state). */
function anclaSiteMode(): Tool {
  return {
    name: "ancla-site",
    prepare: (tree, n) => anclaSite(input("ancla-site", "site"), tree, n),
    command: () => anclaCommand("apply", input("ancla-site", "site"), "--certname", "bench.example.net", "--state-dir", anclaState("ancla-site")),
    env: anclaEnv("ancla-site"),
    reset: () => rmSync(anclaState("ancla-site"), { recursive: true, force: true }),
  };
}

/**
 * `run --once` against a real server on loopback that compiles the site for
 * the node. Bootstrapped once per N; a reset keeps the enrollment (certs/,
 * enrollment.json) and drops the rest, so "first" fetches the catalog.
 */
function anclaServerMode(): Tool {
  const state = anclaState("ancla-run");
  let server: BenchServer | undefined;
  return {
    name: "ancla-run",
    prepare: async (tree, n) => {
      await server?.stop();
      rmSync(join(WORK, "server"), { recursive: true, force: true });
      rmSync(state, { recursive: true, force: true });
      const site = input("ancla-run", "site");
      anclaSite(site, tree, n);
      const { dataDir, adminToken, caPem } = initBenchDataDir(join(WORK, "server"), site);
      server = await startBenchServer(dataDir);
      const https = new Agent({ keepAlive: false });
      const created = await apiCall(server.url, "/api/v1/tokens", adminToken, caPem, https, "POST", JSON.stringify({ ttl_seconds: 3600, one_time: true }));
      https.destroy();
      if (created.status !== 201 && created.status !== 200) throw new Error(`agent-vs-peers: token create answered ${created.status}: ${created.body}`);
      const token = (JSON.parse(created.body) as { token: string }).token;
      const [cmd, ...args] = anclaCommand(
        "bootstrap",
        "--server",
        server.grpc,
        "--ca-fingerprint",
        caFingerprint(dataDir).caFingerprint,
        "--certname",
        "bench.example.net",
        "--state-dir",
        state,
        "--token",
        token,
      );
      const boot = spawnSync(cmd, args, { encoding: "utf8" });
      if (boot.status !== 0) throw new Error(`agent-vs-peers: bootstrap failed (${boot.status}): ${boot.stderr}`);
    },
    command: () => anclaCommand("run", "--once", "--state-dir", state),
    env: anclaEnv("ancla-run"),
    reset: () => {
      if (!existsSync(state)) return;
      for (const name of readdirSync(state)) if (name !== "certs" && name !== "enrollment.json") rmSync(join(state, name), { recursive: true, force: true });
    },
    finish: async () => {
      await server?.stop();
      server = undefined;
    },
  };
}

function tools(): Tool[] {
  return [
    anclaCatalogMode(),
    anclaSiteMode(),
    anclaServerMode(),
    {
      name: "puppet",
      prepare: (tree, n) => writeInput(input("puppet", "site.pp"), puppetManifest(tree, n)),
      command: () => {
        const state = join(WORK, "state", "puppet");
        return [
          "puppet",
          "apply",
          "--color=false",
          "--log_level=warning",
          "--vardir",
          join(state, "var"),
          "--confdir",
          join(state, "conf"),
          "--codedir",
          join(state, "code"),
          input("puppet", "site.pp"),
        ];
      },
      reset: () => rmSync(join(WORK, "state", "puppet"), { recursive: true, force: true }),
    },
    {
      name: "cf-agent",
      prepare: (tree, n) => {
        writeInput(input("cf-agent", "bench.cf"), cfPolicy(tree, n));
        chmodSync(input("cf-agent", "bench.cf"), 0o600); // cf-agent refuses policy others may write
      },
      command: () => ["cf-agent", "--no-lock", "--inform", "-f", input("cf-agent", "bench.cf")],
      reset: () => undefined,
    },
  ];
}

function writeInput(path: string, text: string): void {
  mkdirSync(join(path, ".."), { recursive: true, mode: 0o700 });
  writeFileSync(path, text);
}

function measure(cmd: string[], env?: Record<string, string>): Sample {
  const r = spawnSync("/usr/bin/time", ["-f", "ANCLA_TIME %e %U %S %M", ...cmd], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env } });
  const m = /ANCLA_TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`${cmd.join(" ")}: no timing (exit ${r.status}): ${r.stderr.slice(-500)}`);
  // Exit codes differ by tool (puppet/ancla use 2 for "changed"); only crashes and failures count.
  if (![0, 2].includes(r.status ?? -1)) throw new Error(`${cmd.join(" ")} exited ${r.status}: ${(r.stdout + r.stderr).slice(-800)}`);
  return { wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3]), rssMb: Number(m[4]) / 1024 };
}

function drift(tree: string, n: number): void {
  for (let i = 0; i < n; i += 10) {
    writeFileSync(fileAt(tree, i, n), "edited by hand\n");
    chmodSync(fileAt(tree, i, n), 0o600);
  }
}

/** Relative path → "kind mode sha256" for every entry under `tree`. */
function snapshot(tree: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      const st = lstatSync(full);
      const rel = relative(tree, full);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out.set(rel, `dir ${mode}`);
        walk(full);
      } else {
        out.set(rel, `file ${mode} ${createHash("sha256").update(readFileSync(full)).digest("hex")}`);
      }
    }
  };
  walk(tree);
  return out;
}

function sameTree(a: Map<string, string>, b: Map<string, string>): string | undefined {
  for (const [k, v] of a) if (b.get(k) !== v) return `${k}: ${v} vs ${b.get(k) ?? "missing"}`;
  for (const k of b.keys()) if (!a.has(k)) return `${k}: missing vs present`;
  return undefined;
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

export type PeerResults = Record<string, Record<string, Sample>>;

/** Installs Debian's puppet-agent and cfengine3 when missing (root only; the bench compares against them). */
function installPeers(): void {
  const missing = [
    ["puppet", "puppet-agent"],
    ["cf-agent", "cfengine3"],
  ].filter(([bin]) => spawnSync("sh", ["-c", `command -v ${bin}`]).status !== 0);
  if (missing.length === 0 || process.getuid?.() !== 0) return;
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  spawnSync("apt-get", ["-o", "DPkg::Lock::Timeout=300", "update", "-qq"], { stdio: "inherit", env });
  spawnSync("apt-get", ["-o", "DPkg::Lock::Timeout=300", "install", "-y", "-qq", ...missing.map(([, pkg]) => pkg)], { stdio: "inherit", env });
}

/** The tools installed here (ANCLA_BENCH_TOOLS=ancla,puppet limits the set; "ancla" is all its modes). */
export function available(): string[] {
  const wanted = process.env.ANCLA_BENCH_TOOLS?.split(",");
  const isAncla = (name: string) => name === "ancla" || name.startsWith("ancla-");
  return tools()
    .map((t) => t.name)
    .filter((name) => !wanted || wanted.includes(name) || (isAncla(name) && wanted.includes("ancla")))
    .filter((name) => isAncla(name) || spawnSync("sh", ["-c", `command -v ${name === "cf-agent" ? "cf-agent" : "puppet"}`]).status === 0);
}

export async function benchAgentVsPeers(opts: { sizes: number[]; rounds: number }): Promise<PeerResults> {
  installPeers();
  const have = new Set(available());
  const list = tools().filter((t) => have.has(t.name));
  if (have.has("ancla")) process.stderr.write(`ancla: ${anclaRuntime()} ${AGENT_NODE_FLAGS.join(" ")} ${anclaAgentEntry()}\n`);
  const results: PeerResults = {};
  for (const n of opts.sizes) {
    const samples: Record<string, Record<string, Sample[]>> = {};
    for (const tool of list) await tool.prepare(join(WORK, "trees", tool.name), n);
    for (let round = 0; round < opts.rounds; round++) {
      // Alternate who goes first, so caches and thermal state favour nobody.
      const order = list.map((_, i) => list[(i + round) % list.length]);
      const trees = new Map<string, Map<string, string>>();
      for (const tool of order) {
        const tree = join(WORK, "trees", tool.name);
        rmSync(tree, { recursive: true, force: true });
        mkdirSync(join(tree, ".."), { recursive: true });
        tool.reset(tree);
        const s = (samples[tool.name] ??= { first: [], unchanged: [], drift: [] });
        s.first.push(measure(tool.command(tree), tool.env));
        s.unchanged.push(measure(tool.command(tree), tool.env));
        drift(tree, n);
        s.drift.push(measure(tool.command(tree), tool.env));
        trees.set(tool.name, snapshot(tree));
      }
      if (samples.ancla) (samples.ancla.facts ??= []).push(measure(anclaCommand("facts"), anclaEnv("ancla")));
      const [reference, ...others] = [...trees.entries()];
      for (const [name, tree] of others) {
        const diff = sameTree(reference[1], tree);
        if (diff) throw new Error(`N=${n}: ${name} and ${reference[0]} disagree: ${diff}`);
      }
    }
    for (const tool of list) await tool.finish?.();
    for (const [name, phases] of Object.entries(samples)) {
      for (const [phase, list] of Object.entries(phases)) {
        (results[`N=${n}`] ??= {})[`${name} ${phase}`] = { wall: median(list.map((x) => x.wall)), cpu: median(list.map((x) => x.cpu)), rssMb: median(list.map((x) => x.rssMb)) };
      }
    }
  }
  return results;
}
