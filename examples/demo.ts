// `npm start`: the quick start. Initialises a server data dir inside the
// checkout (.demo/), starts the server with examples/site, enrolls a local
// demo agent, converges, shows a drift being repaired, then keeps the server
// running until Ctrl-C (ANCLA_DEMO_EXIT=1 stops after the demo, for tests).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { waitForRuntime } from "../server/runtime.js";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
const DEMO = process.env.ANCLA_DEMO_DIR ? resolve(process.env.ANCLA_DEMO_DIR) : join(ROOT, ".demo");
const DATA = join(DEMO, "server");
const STATE = join(DEMO, "agent");
const SITE = join(ROOT, "examples/site");
const CERTNAME = "demo-01";
const bin = (name: string) => join(ROOT, "dist", name);
const SERVER = bin("server/cli/main.js");
const AGENT = bin("agent/cli/main.js");
const ANCLA = bin("server/operator/main.js");

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function run(script: string, args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: "utf8" });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function must(script: string, args: string[]): string {
  const r = run(script, args);
  if (r.code !== 0) throw new Error(`${relative(ROOT, script)} ${args.join(" ")} failed:\n${r.stderr || r.stdout}`);
  return r.stdout;
}

/** Listens on `port` (0: any) and gives back the port it got, or undefined when it is taken. */
function tryPort(port: number): Promise<number | undefined> {
  return new Promise((ok, fail) => {
    const s = createServer().listen(port, "127.0.0.1", () => {
      const got = (s.address() as { port: number }).port;
      s.close(() => ok(got));
    });
    s.on("error", (err: NodeJS.ErrnoException) => (err.code === "EADDRINUSE" ? ok(undefined) : fail(err)));
  });
}

/**
 * The README's ports (8140 for agents, 8141 for the dashboard) when they are
 * free, so the URLs in the README work; any free port otherwise (a second
 * checkout, a real server on the same host).
 */
async function pickPort(preferred: number): Promise<number> {
  const got = await tryPort(preferred);
  if (got !== undefined) return got;
  const any = await tryPort(0);
  if (any === undefined) throw new Error("no free port on 127.0.0.1");
  return any;
}

/** `ancla-server init`; returns the CA fingerprint the agent will pin. */
function initServer(): string {
  const out = must(SERVER, ["init", "--data-dir", DATA, "--site", SITE, "--hostname", "localhost", "--json"]);
  return (JSON.parse(out) as { caFingerprint: string }).caFingerprint;
}

async function startServer(grpcPort: number, httpPort: number) {
  const child = spawn(process.execPath, [SERVER, "start", "--data-dir", DATA, "--grpc", `127.0.0.1:${grpcPort}`, "--http", `127.0.0.1:${httpPort}`], {
    stdio: ["ignore", "inherit", "inherit"],
    // The demo narrates; the server only speaks up about problems.
    env: { ...process.env, ANCLA_LOG_LEVEL: process.env.ANCLA_LOG_LEVEL ?? "warn" },
  });
  await waitForRuntime(DATA, child);
  return child;
}

interface DemoReport {
  status: string;
  counts?: { changed?: number; corrective?: number };
  events?: { resource: string; property: string; corrective?: boolean }[];
}

function agentRun(): DemoReport {
  const r = run(AGENT, ["run", "--once", "--json", "--state-dir", STATE]);
  if (![0, 2].includes(r.code)) throw new Error(`agent run failed (exit ${r.code}):\n${r.stderr}`);
  return JSON.parse(r.stdout) as DemoReport;
}

type DemoResource = { type: string; title: string; properties: { content?: string } };

/** The resources of the agent's cached (signed) catalog. */
function cachedResources(): DemoResource[] {
  const cached = JSON.parse(readFileSync(join(STATE, "catalog.json"), "utf8")) as { payload: string };
  return (JSON.parse(Buffer.from(cached.payload, "base64").toString("utf8")) as { resources: DemoResource[] }).resources;
}

async function main(): Promise<void> {
  const fresh = !existsSync(join(DATA, "ca/ca.crt"));
  const enrolled = fresh ? undefined : (JSON.parse(readFileSync(join(STATE, "enrollment.json"), "utf8")) as { caFingerprint: string; server: string });
  const caFingerprint = enrolled?.caFingerprint ?? initServer();
  say(fresh ? `1. Initialised the server data dir ${relative(ROOT, DATA)}/ (CA fingerprint ${caFingerprint})` : `1. Reusing ${relative(ROOT, DATA)}/`);
  // An enrolled agent knows the server by its address: keep the gRPC port it enrolled with.
  const grpcPort = enrolled ? Number(enrolled.server.split(":")[1]) : await pickPort(8140);
  const httpPort = await pickPort(8141);
  const server = await startServer(grpcPort, httpPort);
  say(`2. Server listening: agents on localhost:${grpcPort} (mTLS gRPC), site ${relative(ROOT, SITE)}/`);
  if (fresh) {
    const token = (JSON.parse(must(ANCLA, ["token", "create", "--ttl", "10m", "--json", "--data-dir", DATA])) as { token: string }).token;
    must(AGENT, ["bootstrap", "--server", `localhost:${grpcPort}`, "--ca-fingerprint", caFingerprint, "--token", token, "--certname", CERTNAME, "--state-dir", STATE]);
    say(`3. Agent ${CERTNAME} bootstrapped with a one-time token (state in ${relative(ROOT, STATE)}/)`);
  }
  const first = agentRun();
  say(`4. First run: ${first.status}, ${first.counts?.changed ?? 0} resources changed`);
  const resources = cachedResources();
  const drifted = resources.find((r) => r.type === "file" && typeof r.properties.content === "string")?.title;
  const scratch = resources.find((r) => r.title.endsWith(`/${CERTNAME}`))?.title;
  if (drifted) {
    writeFileSync(drifted, "someone edited this by hand\n");
    const second = agentRun();
    say(`5. Edited ${drifted} by hand; next run: ${second.counts?.corrective ?? 0} corrective change(s) — drift repaired and reported`);
  }
  say("");
  say("Where to look:");
  say(`  files managed for ${CERTNAME}: ${scratch ?? "see examples/site/modules/*/module.yaml"}`);
  say(`  nodes and their status:      node dist/server/operator/main.js nodes --data-dir ${relative(ROOT, DATA)}`);
  say(`  the last report:             node dist/server/operator/main.js report show ${CERTNAME} --data-dir ${relative(ROOT, DATA)}`);
  say(`  run the agent again:         node dist/agent/cli/main.js run --once --state-dir ${relative(ROOT, STATE)}`);
  say(`  the dashboard:               https://localhost:${httpPort}/ (your browser will warn: the server's certificate is from its own CA,`);
  say(`                               ${relative(ROOT, DATA)}/ca/ca.crt); log in with the admin token in ${relative(ROOT, DATA)}/admin.token`);
  if (process.env.ANCLA_DEMO_EXIT === "1") {
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
    return;
  }
  say("The server keeps running; press Ctrl-C to stop it.");
  process.once("SIGINT", () => server.kill("SIGTERM"));
  process.once("SIGTERM", () => server.kill("SIGTERM"));
  await new Promise((r) => server.once("exit", r));
}

main().catch((err: Error) => {
  process.stderr.write(`demo failed: ${err.message}\n`);
  process.exit(1);
});
