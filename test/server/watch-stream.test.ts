// AgentService/Watch on a real server (mTLS on loopback) with simulated
// agents, and POST /api/v1/runs that nudges through it: the matching connected
// nodes get a RunNow naming who asked, the others are answered "not connected";
// a second stream for a certname replaces the first; a caller without a valid
// certificate is refused; a quiet stream outlives the idle timeout; and a
// stopping server ends the streams cleanly instead of waiting them out.
import t, { type Test } from "tap";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import type { WatchEvent } from "../../proto/gen/ancla/v1/agent_pb.js";
import { AgentService } from "../../proto/gen/ancla/v1/agent_pb.js";
import { makeClient } from "../../proto/grpc.js";
import { enrollSimAgents, type SimAgent } from "../../bench/sim-agents.js";
import { initDataDir } from "../../server/cli/init.js";
import { startServer } from "../../server/cli/start.js";
import { dataDirPaths } from "../../server/datadir.js";
import { writeFilesSite } from "../helpers/fleet.js";
import { call, eventually, tempDir } from "./_helpers.js";
import { refusal, startRealServer, type RealServer } from "./_server.js";

interface Watching {
  events: WatchEvent[];
  /** Resolves with the stream's end: undefined when it ended with OK, else the error. */
  ended: Promise<grpc.ServiceError | undefined>;
  cancel(): void;
}

function watch(t: Test, agent: Pick<SimAgent, "client">): Watching {
  const stream = agent.client.watch({}) as AsyncIterable<WatchEvent> & { cancel(): void };
  const events: WatchEvent[] = [];
  const ended = (async () => {
    try {
      for await (const event of stream) events.push(event);
      return undefined;
    } catch (err) {
      return err as grpc.ServiceError;
    }
  })();
  t.teardown(() => stream.cancel());
  return { events, ended, cancel: () => stream.cancel() };
}

const runNows = (w: Watching) => w.events.flatMap((e) => (e.event.case === "runNow" ? [e.event.value] : []));
const connectedNow = (w: Watching) => w.events.length > 0;

interface RunAnswer {
  requested_at: string;
  request_id: string;
  nodes: { certname: string; connected: boolean }[];
}

async function runNow(server: RealServer, body: object, token?: string) {
  return server.api("POST", "/api/v1/runs", { body: JSON.stringify(body), token });
}

t.test("POST /api/v1/runs nudges the matching connected nodes and names the others", async (t) => {
  const server = await startRealServer(t);
  const [web1, web2, db1] = await server.agents(["web-01", "web-02", "db-01"]);
  // db-01 holds a stream but is not matched; web-03 is known (it checked in) but holds none.
  const [web3] = await server.agents(["web-03"]);
  await web3.report({ runId: "w3-1" });
  const streams = [web1, web2, db1].map((a) => watch(t, a));
  await eventually("every stream has its first heartbeat", () => streams.every(connectedNow));

  const res = await runNow(server, { nodes: "web-*", noop: true });
  t.equal(res.status, 202, JSON.stringify(res.body));
  const answer = res.body as RunAnswer;
  t.same(answer.nodes, [
    { certname: "web-01", connected: true },
    { certname: "web-02", connected: true },
    { certname: "web-03", connected: false },
  ]);
  t.ok(Date.parse(answer.requested_at) <= Date.now(), "requested_at is the server's time");
  await eventually("both connected web nodes get a RunNow", () => runNows(streams[0]).length === 1 && runNows(streams[1]).length === 1);
  t.match(runNows(streams[0])[0], { noop: true, requestId: answer.request_id, reason: /^ancla run by token:\S+ \(initial admin\)$/ });
  t.equal(runNows(streams[2]).length, 0, "db-01 is not asked");

  const audit = (await server.api("GET", "/api/v1/audit?limit=1")).body as { entries: { action: string; target: string; detail: Record<string, unknown> }[] };
  t.match(audit.entries[0], { action: "node.run", target: "web-*", detail: { request_id: answer.request_id, noop: true, nodes: 3, connected: 2 } });

  const metrics = await server.api("GET", "/metrics");
  t.match(String(metrics.body), /^ancla_watch_streams 3$/m, "the gauge counts the open streams");
});

t.test("POST /api/v1/runs refuses what it cannot do, each with its code", async (t) => {
  const server = await startRealServer(t);
  const [web, web2, db] = await server.agents(["web-01", "web-02", "db-01"]);
  watch(t, web);
  watch(t, web2);
  await db.report({ runId: "db-1" });
  const exact = await runNow(server, { nodes: "db-01" });
  t.same((exact.body as RunAnswer).nodes, [{ certname: "db-01", connected: false }], "a plain name is that node alone");
  const nothing = await runNow(server, { nodes: "mail-*" });
  t.match(nothing, { status: 404, body: { error: { code: "ANCLA_E_NOT_FOUND", message: /no node matches "mail-\*"/ } } });
  t.match(await runNow(server, { nodes: "web-[" }), { status: 400, body: { error: { code: "ANCLA_E_INVALID_ARGUMENT", message: /not a valid glob/ } } });
  t.match(await runNow(server, { nodes: "web-*", when: "now" }), { status: 400, body: { error: { code: "ANCLA_E_INVALID_ARGUMENT", message: /unknown field "when"/ } } });
  t.match(await runNow(server, {}), { status: 400, body: { error: { code: "ANCLA_E_INVALID_ARGUMENT" } } });
  const viewer = await server.api("POST", "/api/v1/api-tokens", { body: JSON.stringify({ role: "viewer", name: "watcher" }) });
  t.match(await runNow(server, { nodes: "web-*" }, (viewer.body as { token: string }).token), { status: 403, body: { error: { code: "ANCLA_E_PERMISSION_DENIED" } } });
  t.equal((await call(server, "POST", "/api/v1/runs", { body: JSON.stringify({ nodes: "web-*" }) })).status, 401, "no token, no run");
});

t.test("a second Watch for a certname ends the first, cleanly; nudges go to the second", async (t) => {
  const server = await startRealServer(t);
  // Two calls on one channel stand for the agent's old (dead to it, not yet to the server) and new connection.
  const [web] = await server.agents(["web-01"]);
  const old = watch(t, web);
  await eventually("the first stream is open", () => connectedNow(old));
  const fresh = watch(t, web);
  t.equal(await old.ended, undefined, "the replaced stream ends with OK");
  await eventually("the second stream is open", () => connectedNow(fresh));
  await runNow(server, { nodes: "web-01" });
  await eventually("the nudge reaches the second stream", () => runNows(fresh).length === 1);
});

t.test("Watch without a valid client certificate is refused before any event", async (t) => {
  const server = await startRealServer(t);
  const bare = makeClient(AgentService, server.grpc, grpc.credentials.createSsl(Buffer.from(server.ca.certPem)));
  t.teardown(() => bare.close());
  const err = await refusal(
    (async () => {
      for await (const _ of bare.watch({}));
    })(),
  );
  t.equal(err.code, grpc.status.UNAUTHENTICATED);
  t.match(err.details, "bootstrap the agent first");

  const [revoked] = await server.agents(["gone-01"]);
  t.equal((await server.api("POST", "/api/v1/certs/gone-01/revoke")).status, 200);
  const denied = await refusal(
    (async () => {
      for await (const _ of revoked.client.watch({}));
    })(),
  );
  t.equal(denied.code, grpc.status.PERMISSION_DENIED);
  t.match(denied.details, "ANCLA_E_CERT_REVOKED");
});

t.test("a quiet Watch stream outlives the connection idle timeout", async (t) => {
  const idleTimeoutMs = 1_000;
  const server = await startRealServer(t, { limits: { idleTimeoutMs } });
  const [web] = await server.agents(["web-01"]);
  const stream = watch(t, web);
  await eventually("the stream is open", () => connectedNow(stream));
  // The span under test, not a synchronisation: three idle timeouts with nothing on the stream.
  await new Promise((r) => setTimeout(r, 3 * idleTimeoutMs));
  await runNow(server, { nodes: "web-01" });
  await eventually("the nudge arrives on the same stream", () => runNows(stream).length === 1);
  t.equal(stream.events.length, 2, "one heartbeat, one RunNow: no reconnect in between");
});

t.test("a stopping server ends its Watch streams with OK rather than cutting them at the grace time", async (t) => {
  process.env.ANCLA_LOG_LEVEL ??= "warn";
  const dir = tempDir(t);
  writeFilesSite(join(dir, "site"), join(dir, "managed"), 1);
  const dataDir = join(dir, "server");
  const { adminToken } = await initDataDir({ dataDir, site: join(dir, "site"), hostname: "localhost" });
  const server = await startServer({ dataDir, grpc: "127.0.0.1:0", http: "127.0.0.1:0" });
  let stopped = false;
  t.teardown(() => (stopped ? undefined : server.stop()));
  const paths = dataDirPaths(dataDir);
  const api = { url: server.runtime.url, ca: { certPem: readFileSync(paths.caCert, "utf8"), keyPem: readFileSync(paths.caKey, "utf8") } };
  const token = await call(api, "POST", "/api/v1/tokens", { token: adminToken, body: JSON.stringify({ one_time: false }) });
  const agents = await enrollSimAgents(`localhost:${server.runtime.grpc.split(":").pop()}`, api.ca.certPem, (token.body as { token: string }).token, ["web-01", "web-02"]);
  t.teardown(() => {
    for (const a of agents) a.close();
  });
  const streams = agents.map((a) => watch(t, a));
  await eventually("both streams are open", () => streams.every(connectedNow));
  t.same(server.watch.connected(), ["web-01", "web-02"], "startServer hands out its hub");
  await server.stop();
  stopped = true;
  t.same(await Promise.all(streams.map((s) => s.ended)), [undefined, undefined], "both ended with OK before the listener closed");
});
