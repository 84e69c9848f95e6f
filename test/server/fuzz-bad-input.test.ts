// A bounded fuzz of everything a client can reach (issue 11, "Tests and
// figures"): 10,000 seeded random messages — raw bytes and random field values
// to every method of the agent and bootstrap services, random requests to the
// HTTPS API and dashboard — each answered with a status the client's input
// explains (never INTERNAL/UNKNOWN or a 5xx), and the server answers a normal
// check-in and API call afterwards. The seed is printed on failure; set
// ANCLA_FUZZ_SEED to replay one.
import t from "tap";
import { Agent, request as httpsRequest } from "node:https";
import * as grpc from "@grpc/grpc-js";
import type { JsonValue } from "@bufbuild/protobuf";
import { debianFacts, startRealServer, type RealServer } from "./_server.js";

const MESSAGES = 10_000;
const IN_FLIGHT = 16;
const SEED = Number(process.env.ANCLA_FUZZ_SEED ?? 20261101);

/** mulberry32: small, fast, and the same sequence for the same seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = ReturnType<typeof prng>;
const int = (r: Random, n: number) => Math.floor(r() * n);
const pick = <T>(r: Random, items: readonly T[]): T => items[int(r, items.length)];
const bytes = (r: Random, n: number) => Buffer.from(Array.from({ length: n }, () => int(r, 256)));

const ODD_STRINGS = ["", " ", "'", '"', "../../etc/passwd", "%00", "\u0000", "é", "💥", "-1", "1e309", "99999999999999999999", "NaN", "null", "<script>", "a".repeat(300), "a".repeat(5000)];

function text(r: Random): string {
  return r() < 0.5 ? pick(r, ODD_STRINGS) : bytes(r, int(r, 40)).toString("latin1");
}

function json(r: Random, depth = 0): JsonValue {
  const kind = depth > 3 ? int(r, 4) : int(r, 6);
  if (kind === 0) return text(r);
  if (kind === 1) return pick(r, [0, -1, 1.5, 2 ** 53, -(2 ** 60), 1e308]);
  if (kind === 2) return pick(r, [true, false, null]);
  if (kind === 3) return text(r);
  if (kind === 4) return Array.from({ length: int(r, 4) }, () => json(r, depth + 1));
  return Object.fromEntries(Array.from({ length: int(r, 4) }, () => [text(r), json(r, depth + 1)]));
}

const AGENT_METHODS = ["GetCatalog", "ReportRun", "FetchContent", "RenewCertificate"].map((m) => `/ancla.v1.AgentService/${m}`);
const BOOTSTRAP_METHODS = ["GetCABundle", "SubmitCSR", "GetCertificate"].map((m) => `/ancla.v1.BootstrapService/${m}`);
/** Codes that would mean the server, not the input, failed. */
const SERVER_FAULTS = new Set([grpc.status.INTERNAL, grpc.status.UNKNOWN, grpc.status.UNAVAILABLE]);

/** One call with the given request bytes; resolves with the status code. */
function rawCall(client: grpc.Client, path: string, body: Buffer, streaming: boolean): Promise<{ code: number; details: string }> {
  const id = (b: Buffer) => b;
  return new Promise((resolve) => {
    if (streaming) {
      const stream = client.makeServerStreamRequest(path, id, id, body);
      stream.on("data", () => undefined);
      stream.on("status", (s: grpc.StatusObject) => resolve({ code: s.code, details: s.details }));
      stream.on("error", () => undefined);
      return;
    }
    client.makeUnaryRequest(path, id, id, body, (err) => resolve({ code: err?.code ?? grpc.status.OK, details: err?.details ?? "" }));
  });
}

/** Structured but random requests, so decoding succeeds and the handlers' own checks are reached. */
async function structuredCall(r: Random, _server: RealServer, agent: Awaited<ReturnType<RealServer["agents"]>>[number]): Promise<{ code: number; details: string }> {
  const facts = r() < 0.8 ? (json(r) as object) : undefined;
  const calls = [
    () => agent.client.getCatalog({ facts: facts && typeof facts === "object" && !Array.isArray(facts) ? (facts as never) : undefined, haveDigest: pick(r, ["", "x", "a".repeat(64), text(r)]) }),
    () => agent.report({ runId: pick(r, ["", text(r), `run-${int(r, 1e9)}`]), startedAt: text(r), status: int(r, 8), events: [{ resource: text(r), property: text(r), result: int(r, 8) }] }),
    async () => {
      for await (const _ of agent.client.fetchContent({ sha256: pick(r, ["", text(r), "a".repeat(64)]), offset: BigInt(int(r, 2 ** 31)) * BigInt(int(r, 2 ** 31)) }));
    },
    () => agent.client.renewCertificate({ csrPem: text(r) }),
  ];
  try {
    await pick(r, calls)();
    return { code: grpc.status.OK, details: "" };
  } catch (err) {
    const e = err as grpc.ServiceError;
    return { code: e.code, details: e.details };
  }
}

const PATHS = [
  "/api/v1/nodes",
  "/api/v1/nodes/X",
  "/api/v1/nodes/X/report",
  "/api/v1/nodes/X/catalog",
  "/api/v1/reports",
  "/api/v1/reports/X",
  "/api/v1/reports/X/events",
  "/api/v1/certs",
  "/api/v1/certs/X/sign",
  "/api/v1/certs/X/reject",
  "/api/v1/tokens",
  "/api/v1/api-tokens",
  "/api/v1/artifacts",
  "/api/v1/artifacts/X/Y",
  "/api/v1/audit",
  "/api/v1/fleet/summary",
  "/api/v1/fleet/drift",
  "/api/v1/compile-failures",
  "/api/v1/catalogs/X",
  "/api/v1/runs",
  "/api/v1/releases",
  "/api/v1/releases/X",
  "/api/v1/rollouts",
  "/api/v1/rollouts/X",
  "/api/v1/rollouts/X/pause",
  "/api/v1/rollouts/X/approve",
  "/api/v1/rollouts/X/rollback",
  "/api/v1/openapi.json",
  "/metrics",
  "/",
  "/nodes/X",
  "/reports/X",
  "/certificates",
  "/rollouts",
  "/rollouts/X",
  "/releases",
  "/releases/X",
  "/login",
  "/X",
];
const PARAMS = ["offset", "limit", "status", "sort", "order", "fact", "search", "cursor", "since", "node", "page", "changes", "runs", "resources", "facts", "days", "before", "environment", "X"];

function randomRequest(r: Random, server: RealServer): { method: string; path: string; headers: Record<string, string>; body?: Buffer } {
  const segment = () => encodeURIComponent(pick(r, ["web-01", "good-01", text(r)]));
  const query = Array.from({ length: int(r, 3) }, () => `${pick(r, PARAMS)}=${encodeURIComponent(text(r))}`).join("&");
  const path = pick(r, PATHS).replace(/X/g, segment) + (query ? `?${query}` : "");
  const method = pick(r, ["GET", "GET", "POST", "PUT", "DELETE", "PATCH"]);
  const headers: Record<string, string> = {};
  const token = pick(r, [server.adminToken, server.adminToken, "", "ancla_at_nope", text(r)]);
  if (token && /^[\x21-\x7e]+$/.test(token)) headers.authorization = `Bearer ${token}`;
  if (method === "GET" || method === "DELETE") return { method, path, headers };
  headers["content-type"] = pick(r, ["application/json", "application/octet-stream", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]);
  const body = r() < 0.5 ? Buffer.from(JSON.stringify(json(r))) : bytes(r, int(r, 200));
  return { method, path, headers, body };
}

function httpCall(server: RealServer, agent: Agent, req: ReturnType<typeof randomRequest>): Promise<number> {
  return new Promise((resolve, reject) => {
    const out = httpsRequest(new URL(req.path, server.url), { method: req.method, headers: req.headers, ca: server.ca.certPem, servername: "localhost", agent }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    out.on("error", reject);
    out.end(req.body);
  });
}

t.test(`${MESSAGES} random messages to the gRPC services and the HTTP API are each answered with a status (seed ${SEED})`, async (t) => {
  const server = await startRealServer(t);
  const [agent] = await server.agents(["good-01"]);
  const bootstrap = new grpc.Client(server.grpc, grpc.credentials.createSsl(Buffer.from(server.ca.certPem)));
  t.teardown(() => bootstrap.close());
  const keepAlive = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  t.teardown(() => keepAlive.destroy());

  const r = prng(SEED);
  const faults: string[] = [];
  const counts = { grpcRaw: 0, grpcStructured: 0, http: 0 };
  const one = async (i: number): Promise<void> => {
    const kind = r();
    if (kind < 0.35) {
      counts.grpcRaw++;
      const toAgent = r() < 0.5;
      const path = pick(r, toAgent ? AGENT_METHODS : BOOTSTRAP_METHODS);
      const res = await rawCall(toAgent ? agent.client.raw : bootstrap, path, bytes(r, int(r, 64)), path.endsWith("FetchContent"));
      if (SERVER_FAULTS.has(res.code)) faults.push(`#${i} ${path}: ${res.code} ${res.details}`);
    } else if (kind < 0.65) {
      counts.grpcStructured++;
      const res = await structuredCall(r, server, agent);
      if (SERVER_FAULTS.has(res.code)) faults.push(`#${i} structured: ${res.code} ${res.details}`);
    } else {
      counts.http++;
      const req = randomRequest(r, server);
      const status = await httpCall(server, keepAlive, req).catch((err: Error) => err.message);
      if (typeof status === "string" || status >= 500) faults.push(`#${i} ${req.method} ${req.path}: ${status}`);
    }
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < MESSAGES) await one(next++);
    }),
  );

  t.same(faults.slice(0, 20), [], `no server fault among ${MESSAGES} (${JSON.stringify(counts)}; replay with ANCLA_FUZZ_SEED=${SEED})`);
  t.equal(counts.grpcRaw + counts.grpcStructured + counts.http, MESSAGES);
  t.equal((await agent.client.getCatalog({ facts: debianFacts(), haveDigest: "" })).result.case, "catalog", "the server still serves a check-in");
  t.equal((await server.api("GET", "/api/v1/nodes")).status, 200, "and the API");
});
