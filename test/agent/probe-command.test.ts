// `ancla-agent probe` as a user runs it (the CLI under tsx, so no build is
// needed): each probe of a catalog file, or of the catalog the agent holds,
// once, against a loopback server; text and --json; exit 0 when all are ok, 1
// when any fails, 64 with one line on misuse. No server of Ancla's anywhere.
import t, { type Test } from "tap";
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { saveCachedEnvelope } from "../../agent/state/catalog-cache.js";
import { stateLayout } from "../../agent/state/layout.js";
import { canonicalJson } from "../../catalog/canonical.js";
import { CATALOG_PAYLOAD_TYPE, type Catalog, type Probe } from "../../catalog/model.js";
import { createCertificateAuthority, issueCertificate } from "../../pki/ca.js";
import { signEnvelope } from "../../pki/dsse.js";
import { generateKeyPair } from "../../pki/keys.js";
import { freePort, ROOT, type Exec, workDir } from "../helpers/processes.js";
import { catalogOf } from "./_helpers.js";

interface ProbeJson {
  name: string;
  kind: string;
  outcome: string;
  ok: boolean;
  latencyMs: number;
  detail?: string;
}

/** The agent's CLI from source, as `ancla-agent ARGS`; no /etc/ancla/agent.yaml is read (a --config of our own). */
function agent(dir: string, args: string[]): Promise<Exec> {
  writeFileSync(join(dir, "agent.yaml"), "");
  const argv = ["--import", join(ROOT, "node_modules/tsx/dist/loader.mjs"), join(ROOT, "agent/cli/main.ts"), ...args, "--config", join(dir, "agent.yaml")];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** /ok answers 200 "healthy", /bad 503. */
async function target(t: Test): Promise<{ url: string; port: number }> {
  const server = createServer((req, res) => (req.url === "/ok" ? res.end("healthy") : res.writeHead(503).end("down")));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => server.close());
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, port };
}

function catalogFile(dir: string, probes: Probe[], name = "catalog.json"): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify({ ...catalogOf([]), probes }));
  return path;
}

const probe = (name: string, spec: Pick<Probe, "http" | "tcp" | "command">, timeout = 2): Probe => ({ name, ...spec, every: 10, timeout });

t.test("each probe once: one line each with its kind, ok and latency; --json the same as an array; exit 0", async (t) => {
  const { url, port } = await target(t);
  const dir = workDir(t, {});
  const file = catalogFile(dir, [
    probe("web-http", { http: { url: `${url}/ok`, status: 200, body: "heal+thy" } }),
    probe("web-tcp", { tcp: { host: "127.0.0.1", port } }),
    probe("disk-free", { command: { command: "true" } }),
  ]);
  const state = ["--state-dir", join(dir, "state")];

  const text = await agent(dir, ["probe", "--catalog", file, ...state]);
  t.equal(text.code, 0, text.stderr);
  t.equal(text.stderr, "");
  const lines = text.stdout.trimEnd().split("\n");
  t.equal(lines.length, 3, text.stdout);
  t.match(lines[0], /^web-http\s+http\s+ok\s+\d+\.\d ms$/);
  t.match(lines[1], /^web-tcp\s+tcp\s+ok\s+\d+\.\d ms$/);
  t.match(lines[2], /^disk-free\s+command\s+ok\s+\d+\.\d ms$/);

  const json = await agent(dir, ["probe", "--catalog", file, ...state, "--json"]);
  t.equal(json.code, 0, json.stderr);
  const results = JSON.parse(json.stdout) as ProbeJson[];
  t.same(
    results.map((r) => [r.name, r.kind, r.outcome, r.ok]),
    [
      ["web-http", "http", "ok", true],
      ["web-tcp", "tcp", "ok", true],
      ["disk-free", "command", "ok", true],
    ],
  );
  t.ok(results.every((r) => typeof r.latencyMs === "number" && r.latencyMs >= 0 && r.latencyMs < 2000 && r.detail === undefined));
});

t.test("any probe failing: exit 1, each failure with its kind and why", async (t) => {
  const { url } = await target(t);
  const dir = workDir(t, {});
  const closed = await freePort();
  const file = catalogFile(dir, [
    probe("fine", { http: { url: `${url}/ok`, status: 200 } }),
    probe("down", { http: { url: `${url}/bad`, status: 200 } }),
    probe("wrong-body", { http: { url: `${url}/ok`, status: 200, body: "^ready$" } }),
    probe("nobody", { tcp: { host: "127.0.0.1", port: closed } }),
    probe("check", { command: { command: "exit 3" } }),
    probe("slow", { command: { command: "sleep 5" } }, 0.3),
  ]);
  const state = ["--state-dir", join(dir, "state")];

  const text = await agent(dir, ["probe", "--catalog", file, ...state]);
  t.equal(text.code, 1, text.stderr);
  const line = (name: string) => text.stdout.split("\n").find((l) => l.startsWith(`${name} `)) ?? "";
  t.match(line("fine"), /\sok\s/);
  t.match(line("down"), /\sstatus\s.* ms {2}status 503, expected 200$/);
  t.match(line("wrong-body"), /\sbody\s.* ms {2}body does not match \/\^ready\$\/$/);
  t.match(line("nobody"), /\srefused\s.* ms {2}ECONNREFUSED$/);
  t.match(line("check"), /\sstatus\s.* ms {2}exit 3$/);
  t.match(line("slow"), /\stimeout\s+300\.0 ms {2}no answer within 0\.3 s$/);

  const json = await agent(dir, ["probe", "--catalog", file, ...state, "--json"]);
  t.equal(json.code, 1);
  const results = JSON.parse(json.stdout) as ProbeJson[];
  t.same(
    results.map((r) => [r.name, r.outcome, r.ok]),
    [
      ["fine", "ok", true],
      ["down", "status", false],
      ["wrong-body", "body", false],
      ["nobody", "refused", false],
      ["check", "status", false],
      ["slow", "timeout", false],
    ],
  );
  t.equal(results[3].detail, "ECONNREFUSED");
});

t.test("without --catalog: the catalog the agent holds, verified; none at all is misuse", async (t) => {
  const { url } = await target(t);
  const dir = workDir(t, {});
  const layout = stateLayout(join(dir, "state"));
  const state = ["--state-dir", layout.dir];

  const none = await agent(dir, ["probe", ...state]);
  t.equal(none.code, 64);
  t.equal(none.stdout, "");
  t.match(none.stderr, /^error: ANCLA_E_USAGE: probe needs a catalog: no cached catalog in .*catalog\.json \(no run has received one yet\); give --catalog FILE/);
  t.equal(none.stderr.trimEnd().split("\n").length, 1, "one line");

  const ca = createCertificateAuthority("test CA");
  const key = generateKeyPair();
  const signer = {
    keyPem: key.privateKeyPem,
    certPem: issueCertificate(ca, { commonName: "catalog-signer", publicKeyPem: key.publicKeyPem, usage: "catalog-signing", serialHex: "53", validityDays: 1 }),
  };
  mkdirSync(layout.certsDir, { recursive: true });
  writeFileSync(layout.caCert, ca.certPem);
  writeFileSync(join(layout.dir, "enrollment.json"), JSON.stringify({ server: "localhost:1", certname: "node-a", caFingerprint: "x" }));
  const held: Catalog = { ...catalogOf([]), certname: "node-a", serial: 4, probes: [probe("held-http", { http: { url: `${url}/ok`, status: 200 } })] };
  await saveCachedEnvelope(layout, signEnvelope(CATALOG_PAYLOAD_TYPE, Buffer.from(canonicalJson(held)), signer));

  const ok = await agent(dir, ["probe", ...state]);
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.stdout, /^held-http\s+http\s+ok\s+\d+\.\d ms\n$/);

  await saveCachedEnvelope(layout, signEnvelope(CATALOG_PAYLOAD_TYPE, Buffer.from(canonicalJson({ ...held, certname: "node-b" })), signer));
  const foreign = await agent(dir, ["probe", ...state]);
  t.equal(foreign.code, 1, "a held catalog that is refused is a failure, not misuse");
  t.match(foreign.stderr, /^error: ANCLA_E_CATALOG_FOREIGN: cached catalog refused: catalog is for node-b/);
});

t.test("misuse is exit 64 with one line; a malformed probe in a file is refused", async (t) => {
  const dir = workDir(t, {});
  const state = ["--state-dir", join(dir, "state")];
  for (const [args, pattern] of [
    [["probe", "--frobnicate", ...state], /^error: ANCLA_E_USAGE: ancla-agent probe: Unknown option '--frobnicate'/],
    [["probe", "extra", ...state], /^error: ANCLA_E_USAGE: ancla-agent probe: expected 0 argument\(s\), got 1/],
    [["probe", "--ca-file", "ca.pem", ...state], /^error: ANCLA_E_USAGE: --ca-file verifies a --catalog envelope/],
  ] as const) {
    const r = await agent(dir, [...args]);
    t.equal(r.code, 64, args.join(" "));
    t.match(r.stderr, pattern);
    t.equal(r.stderr.trimEnd().split("\n").length, 1, "one line");
  }

  writeFileSync(join(dir, "bad.json"), JSON.stringify({ ...catalogOf([]), probes: [{ name: "half", http: { url: "http://127.0.0.1:1/" }, every: 10 }] }));
  const bad = await agent(dir, ["probe", "--catalog", join(dir, "bad.json"), ...state]);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /^error: ANCLA_E_CATALOG_MALFORMED: .*bad\.json: probes\[0\] \(half\): needs a timeout/);

  const empty = await agent(dir, ["probe", "--catalog", catalogFile(dir, [], "empty.json"), ...state, "--json"]);
  t.equal(empty.code, 0, "no probes: nothing failed");
  t.equal(empty.stdout, "[]\n");

  const help = await agent(dir, ["--help"]);
  t.match(help.stdout, /ancla-agent probe \[--catalog FILE/);
});
