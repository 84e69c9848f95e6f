// `ancla install-command` against a real server: one line that pins the key
// the server presents, fetches its install script from the name in the
// server certificate (or --host), and carries a fresh bootstrap token with
// the asked TTL; run against another key it stops before running anything.
import t from "tap";
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { installCommandLine } from "../../server/operator/install-command.js";
import { cli } from "../helpers/processes.js";
import { tempDir } from "./_helpers.js";
import { startRealServer, type RealServer } from "./_server.js";

interface TokenRow {
  id: string;
  expires_at: string;
  one_time: boolean;
}

async function serverWithPackage(t: Parameters<typeof tempDir>[0]): Promise<RealServer> {
  const pkg = join(tempDir(t), "ancla-agent.deb");
  writeFileSync(pkg, "package");
  return startRealServer(t, { agentPackage: pkg });
}

function shell(script: string): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", script], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stderr }));
  });
}

async function tokens(server: RealServer): Promise<TokenRow[]> {
  return ((await server.api("GET", "/api/v1/tokens")).body as { tokens: TokenRow[] }).tokens;
}

t.test("prints one line pinned to the server's key, with a new one-time token of the asked TTL", async (t) => {
  const server = await serverWithPackage(t);
  const info = (await server.api("GET", "/api/v1/install")).body as { pin: string };
  const before = Date.now();
  const r = await cli("ancla", ["install-command", "--token-ttl", "10m", "--data-dir", server.dataDir]);
  const after = Date.now();
  t.equal(r.code, 0, r.stderr);
  const line = r.stdout.trimEnd();
  t.notMatch(line, /\n/, "one line to paste");
  t.match(line, `--pinnedpubkey '${info.pin}'`, "pins the server's key");
  t.match(line, `'https://localhost:${new URL(server.url).port}/install.sh'`, "from the certificate's name and the API port");
  t.match(r.stderr, /one host, expires/, "says what the token allows, on stderr");
  t.equal(spawnSync("sh", ["-n", "-c", line]).status, 0, "valid POSIX sh");

  const [token] = await tokens(server);
  t.ok(token?.one_time, "the token is one-time");
  // Made between `before` and `after`, valid 10 minutes (expiry kept to the second).
  const expires = Date.parse(token!.expires_at);
  t.ok(expires >= before + 600_000 - 1000 && expires <= after + 600_000 + 1000, `expires 10 minutes after it was made (${token!.expires_at})`);

  const json = await cli("ancla", ["install-command", "--reusable", "--host", "ancla.example.org:9443", "--json", "--data-dir", server.dataDir]);
  t.equal(json.code, 0, json.stderr);
  const parsed = JSON.parse(json.stdout) as { command: string; origin: string; ca_fingerprint: string };
  t.equal(parsed.origin, "https://ancla.example.org:9443", "--host NAME:PORT is where hosts fetch from");
  t.match(parsed.command, "'https://ancla.example.org:9443/install.sh'");
  t.match(parsed.ca_fingerprint, /^SHA256:/);
  t.notOk((await tokens(server)).find((x) => x.id !== token!.id)?.one_time, "--reusable makes a reusable token");

  const named = await cli("ancla", ["install-command", "--host", "ancla.example.org", "--data-dir", server.dataDir]);
  t.match(named.stdout, `'https://ancla.example.org:${new URL(server.url).port}/install.sh'`, "--host NAME keeps the API port");
});

t.test("the line stops, saying why, before anything runs when the key is not the pinned one", async (t) => {
  const server = await serverWithPackage(t);
  const stranger = await serverWithPackage(t);
  const line = (await cli("ancla", ["install-command", "--data-dir", stranger.dataDir])).stdout.trim();
  const port = (url: string): string => new URL(url).port;
  const aimed = line.replaceAll(`localhost:${port(stranger.url)}`, `localhost:${port(server.url)}`);
  // `sh "$f"` would be the next step: a marker proves it never ran.
  const marker = join(tempDir(t), "ran");
  // Not spawnSync: the server answering curl runs in this process.
  const run = await shell(aimed.replace('sh "$f"', `touch ${marker} && sh "$f"`));
  t.not(run.status, 0, "non-zero exit");
  t.match(run.stderr, /did not answer with the pinned key .*nothing was installed/);
  t.notOk(spawnSync("test", ["-e", marker]).status === 0, "the script never ran");
});

t.test("a viewer cannot print one (it creates a bootstrap token); values that could break out of the quotes are refused", async (t) => {
  const server = await serverWithPackage(t);
  const viewer = (await server.api("POST", "/api/v1/api-tokens", { body: JSON.stringify({ role: "viewer", name: "ro" }) })).body as { token: string };
  const r = await cli("ancla", ["install-command", "--data-dir", server.dataDir, "--token", viewer.token]);
  t.equal(r.code, 1);
  t.match(r.stderr, /operator|admin|role|forbidden/i);
  t.throws(() => installCommandLine({ origin: "https://h:1", pin: "sha256//x", token: "a'; reboot; '" }), { code: "ANCLA_E_USAGE" });
  t.throws(() => installCommandLine({ origin: "https://h:1 $(id)", pin: "sha256//x", token: "t" }), { code: "ANCLA_E_USAGE" });
});

t.test("a server without an agent package says so and how to give it one, and makes no token", async (t) => {
  const server = await startRealServer(t);
  const r = await cli("ancla", ["install-command", "--data-dir", server.dataDir]);
  t.equal(r.code, 1);
  t.match(r.stderr, /no agent package to install: start it with --agent-package FILE/);
  t.notMatch(r.stderr, /no route/);
  t.equal((await tokens(server)).length, 0, "no bootstrap token was created for nothing");
});
