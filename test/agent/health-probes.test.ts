// Each probe kind against real loopback servers and real commands: ok,
// timeout, refused, status, body, each with its latency.
import t from "tap";
import { createServer as httpServer } from "node:http";
import { createServer as tcpServer, type AddressInfo } from "node:net";
import { attemptProbe } from "../../agent/health/attempt.js";
import type { Probe } from "../../catalog/model.js";

const probe = (p: Partial<Probe>): Probe => ({ name: "p", every: 10, timeout: 1, ...p });

async function listen(server: { listen(port: number, host: string, cb: () => void): unknown; address(): unknown; close(): unknown }): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on: bound, then closed. */
async function freePort(): Promise<number> {
  const s = tcpServer();
  const port = await listen(s);
  await new Promise((resolve) => s.close(resolve));
  return port;
}

t.test("http: ok, status, body, timeout, refused", async (t) => {
  const server = httpServer((req, res) => {
    if (req.url === "/slow") return void setTimeout(() => res.end("late"), 3000);
    res.statusCode = req.url === "/down" ? 503 : 200;
    res.end(req.url === "/down" ? "down" : "all good");
  });
  const port = await listen(server);
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const url = (path: string) => `http://127.0.0.1:${port}${path}`;

  const ok = await attemptProbe(probe({ http: { url: url("/healthz"), status: 200, body: "good$" } }));
  t.equal(ok.outcome, "ok");
  t.ok(ok.latencyMs > 0 && ok.latencyMs < 1000, `latency ${ok.latencyMs} ms`);
  t.match(await attemptProbe(probe({ http: { url: url("/down"), status: 200 } })), { outcome: "status", detail: "status 503, expected 200" });
  t.match(await attemptProbe(probe({ http: { url: url("/healthz"), status: 200, body: "^bad" } })), { outcome: "body" });
  const start = Date.now();
  t.match(await attemptProbe(probe({ http: { url: url("/slow"), status: 200 }, timeout: 0.3 })), { outcome: "timeout" });
  t.ok(Date.now() - start < 1500, "the timeout ends the attempt");
  t.match(await attemptProbe(probe({ http: { url: `http://127.0.0.1:${await freePort()}/`, status: 200 } })), { outcome: "refused", detail: "ECONNREFUSED" });
  t.match(await attemptProbe(probe({ http: { url: "http://no-such-host.invalid/", status: 200 } })), { outcome: "refused" });
});

t.test("tcp: ok, refused", async (t) => {
  const server = tcpServer((s) => s.end());
  const port = await listen(server);
  t.teardown(() => void server.close());
  t.match(await attemptProbe(probe({ tcp: { host: "127.0.0.1", port } })), { outcome: "ok" });
  t.match(await attemptProbe(probe({ tcp: { host: "127.0.0.1", port: await freePort() } })), { outcome: "refused", detail: "ECONNREFUSED" });
});

t.test("command: exit 0 ok, non-zero status, killed at the timeout", async (t) => {
  t.match(await attemptProbe(probe({ command: { command: "true" } })), { outcome: "ok" });
  t.match(await attemptProbe(probe({ command: { command: "exit 3" } })), { outcome: "status", detail: "exit 3" });
  const start = Date.now();
  t.match(await attemptProbe(probe({ command: { command: "sleep 5; true" }, timeout: 0.3 })), { outcome: "timeout" });
  t.ok(Date.now() - start < 2000, "the command was killed at the timeout");
});
