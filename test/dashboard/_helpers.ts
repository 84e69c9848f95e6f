// HTTPS requests to the dashboard as a browser would send them (HTML, form
// bodies, cookies, Origin), CA-pinned, without following redirects; and a
// server with a rollout controller for the rollout pages.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { canonicalJson } from "../../catalog/canonical.js";
import { encodeEnvelope } from "../../catalog/envelope.js";
import { CATALOG_PAYLOAD_TYPE, type Catalog } from "../../catalog/model.js";
import { createCertificateAuthority, type CertifiedKey } from "../../pki/ca.js";
import { signEnvelope } from "../../pki/dsse.js";
import type { ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { CertificateService } from "../../server/ca/service.js";
import { dataDirPaths } from "../../server/datadir.js";
import { startHttpApi } from "../../server/http/server.js";
import { createLogger } from "../../server/log.js";
import type { RolloutController } from "../../server/rollouts/controller.js";
import { openStore, type Role, type Store } from "../../server/store/index.js";
import { report, serverIdentity, tempStore, type Teardown, type TestApi } from "../server/_helpers.js";
import { passSeconds, policyOf, startTestController } from "../server/_rollouts.js";

export interface Page {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface Target {
  url: string;
  ca: { certPem: string };
}

export interface PageRequest {
  method?: "GET" | "POST";
  token?: string;
  cookie?: string;
  /** Form fields, sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  /** The Origin header; a POST gets the server's own unless given (null: none). */
  origin?: string | null;
}

export function fetchPage(target: Target, path: string, opts: PageRequest = {}): Promise<Page> {
  const method = opts.method ?? (opts.form ? "POST" : "GET");
  const headers: Record<string, string> = { accept: "text/html" };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.cookie) headers.cookie = opts.cookie;
  const origin = opts.origin === undefined ? (method === "POST" ? new URL(target.url).origin : null) : opts.origin;
  if (origin !== null) headers.origin = origin;
  const body = opts.form ? new URLSearchParams(opts.form).toString() : method === "POST" ? "" : undefined;
  if (body !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
  return new Promise((resolve, reject) => {
    const req = httpsRequest(new URL(path, target.url), { method, headers, ca: target.ca.certPem, servername: "localhost" }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Logs in through the form and returns the cookie header a browser would send back. */
export async function login(target: Target, token: string): Promise<string> {
  const res = await fetchPage(target, "/login", { form: { token, next: "/" } });
  if (res.status !== 303) throw new Error(`login answered ${res.status}: ${res.text}`);
  const setCookie = [res.headers["set-cookie"] ?? []].flat();
  return setCookie.map((c) => c.split(";")[0]).join("; ");
}

/** An operator API token of `role` for a running server, made through the CA service on its own database (as `init` makes the first one). */
export async function mintToken(dataDir: string, role: Role, name: string): Promise<string> {
  const paths = dataDirPaths(dataDir);
  const store = openStore(paths.database);
  try {
    const ca = { certPem: readFileSync(paths.caCert, "utf8"), keyPem: readFileSync(paths.caKey, "utf8") };
    return (await new CertificateService(store, ca, { agentCertDays: 1 }).createApiToken(role, name)).token;
  } finally {
    await store.close();
  }
}

export function adminToken(dataDir: string): string {
  return readFileSync(dataDirPaths(dataDir).adminToken, "utf8").trim();
}

/** Releases as a git site names them: the commit, then the content hash. */
export const V1 = `git:${"a1".repeat(20)}+sha256:${"1".repeat(64)}`;
export const V2 = `git:${"b2".repeat(20)}+sha256:${"2".repeat(64)}`;

/** production: the canary, a person's go, then the rest; staging: everything at once. */
export const ROLLOUT_POLICY = `environments:
  production: { strategy: careful }
  staging: { strategy: quick }
strategies:
  careful:
    steps:
      - nodes: 1
      - approve: {}
      - percent: 100
    gates: { failed_runs: 0, report_within: 10m }
  quick:
    steps:
      - percent: 100
`;

export interface FleetNode {
  certname: string;
  environment: string;
  canary?: boolean;
}

export interface RolloutApi extends TestApi {
  controller: RolloutController;
  /** The controller's wall clock (ms), moved only by the test. */
  clock: { wall: number; mono: number };
  /** Evaluates the rollouts with `seconds` of both clocks passing, a second a tick. */
  pass(seconds: number): Promise<void>;
  /** The node compiled at `version` and ran it with `status`; the run id. */
  ran(certname: string, status: ReportStatus, version?: string): Promise<string>;
}

/**
 * A real API and dashboard (as startTestApi) with a real rollout controller on
 * the same SQLite store, its clocks in the test's hands (its timer never
 * fires: the test ticks it), and `nodes` checked in, compiled at V1, which is
 * their environments' stable release; V2 is the site's newest release.
 */
export async function startRolloutApi(t: Teardown, nodes: FleetNode[], policyYaml = ROLLOUT_POLICY): Promise<RolloutApi> {
  const { store } = tempStore(t);
  const ca = createCertificateAuthority("Test CA");
  const certs = new CertificateService(store, ca, { agentCertDays: 30 });
  const clock = { wall: Date.now(), mono: 0 };
  const policy = await policyOf(t, policyYaml);
  for (const version of [V1, V2]) await store.releases.saveRelease({ version, firstSeenAt: new Date(clock.wall - (version === V1 ? 60_000 : 0)), files: 0, bytes: 0, manifest: [] });
  for (const n of nodes) {
    await store.nodes.recordCheckin(n.certname, { os: { family: "debian" }, canary: n.canary === true }, new Date(clock.wall));
    await store.nodes.recordEnvironment(n.certname, n.environment);
    await saveCatalogAt(store, ca, n.certname, V1, new Date(clock.wall));
  }
  // Its timer never fires: the test ticks it.
  const controller = await startTestController(t, { store, clock, policy, head: V2, tickMs: 3_600_000 });
  // The nodes ran V1 until now: it becomes each environment's stable release.
  for (const n of nodes) controller.releaseFor(n.certname, n.environment, V1, policy);
  const tls = serverIdentity(ca);
  const api = await startHttpApi({ store, certs, tlsCertPem: tls.certPem, tlsKeyPem: tls.keyPem, host: "127.0.0.1", port: 0, logger: createLogger("test", { level: "silent" }), rollouts: controller });
  t.teardown(() => api.close());
  const tokens = {
    viewer: (await certs.createApiToken("viewer", "test viewer")).token,
    operator: (await certs.createApiToken("operator", "test operator")).token,
    admin: (await certs.createApiToken("admin", "test admin")).token,
  };
  const pass = (seconds: number) => passSeconds(clock, controller, seconds);
  const ran = async (certname: string, status: ReportStatus, version = V2): Promise<string> => {
    clock.wall += 1000;
    const runId = `run-${certname}-${clock.wall}`;
    await saveCatalogAt(store, ca, certname, version, new Date(clock.wall));
    await store.reports.saveReport(report({ runId, certname, siteVersion: version, status, startedAt: new Date(clock.wall).toISOString() }), new Date(clock.wall));
    return runId;
  };
  return { url: api.url, ca, inject: api.inject, store, certs, tokens, controller, clock, pass, ran };
}

/** A signed one-resource catalog for `certname` at `version`, as the server stores a compile (the node page decodes it). */
export async function saveCatalogAt(store: Store, ca: CertifiedKey, certname: string, version: string, at: Date): Promise<void> {
  const previous = (await store.catalogs.getCurrentCatalog(certname))?.serial ?? 0;
  const catalog: Catalog = {
    apiVersion: "ancla/v1",
    certname,
    siteVersion: version,
    serial: previous + 1,
    digest: createHash("sha256").update(`${certname}\0${version}`).digest("hex"),
    compiledAt: at.toISOString(),
    expiresAt: new Date(at.getTime() + 86_400_000).toISOString(),
    resources: [{ type: "file", title: "/etc/motd", properties: { content: version } }],
    edges: [],
  };
  const envelope = signEnvelope(CATALOG_PAYLOAD_TYPE, Buffer.from(canonicalJson(catalog)), ca);
  await store.catalogs.saveCatalog({
    certname,
    serial: catalog.serial,
    digest: catalog.digest,
    siteVersion: version,
    inputsKey: `k-${catalog.serial}`,
    envelope: encodeEnvelope(envelope),
    compiledAt: at,
  });
}
