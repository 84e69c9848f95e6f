// The HTTPS API for operators (fastify): JSON under /api/v1, bearer tokens with
// roles, one error shape. The dashboard and /metrics mount on the same instance.
import type { AddressInfo } from "node:net";
import type { Server as TlsServer } from "node:tls";
import swagger from "@fastify/swagger";
import Fastify, { type InjectOptions, type LightMyRequestResponse } from "fastify";
import type { ArtifactStore } from "../artifacts/store.js";
import type { CertificateService } from "../ca/service.js";
import { dashboardRoutes } from "../dashboard/index.js";
import type { InstallOptions } from "../install/installer.js";
import { boundHandshakeTime, capConnectionsPerAddress, DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from "../net/connections.js";
import type { Logger } from "../log.js";
import { ServerMetrics } from "../metrics/metrics.js";
import type { StatusOptions } from "../status.js";
import type { RolloutController } from "../rollouts/controller.js";
import type { SloBudgets } from "../slo/service.js";
import type { Store } from "../store/store.js";
import { WatchHub } from "../watch/hub.js";
import { authenticated } from "./auth.js";
import { countInternalErrors, handleError, handleNotFound } from "./errors.js";
import { artifactRoutes } from "./routes/artifacts.js";
import { auditRoutes } from "./routes/audit.js";
import { releaseRoutes } from "./routes/releases.js";
import { catalogRoutes } from "./routes/catalogs.js";
import { certRoutes } from "./routes/certs.js";
import type { ApiDeps, ApiInstance } from "./routes/deps.js";
import { fleetRoutes } from "./routes/fleet.js";
import { installRoutes } from "./routes/install.js";
import { metricsRoutes } from "./routes/metrics.js";
import { nodeRoutes } from "./routes/nodes.js";
import { reportRoutes } from "./routes/reports.js";
import { rolloutRoutes } from "./routes/rollouts.js";
import { sloRoutes } from "./routes/slos.js";
import { secretRoutes } from "./routes/secrets.js";
import type { SecretService } from "../secrets/service.js";
import { runRoutes } from "./routes/runs.js";
import { tokenRoutes } from "./routes/tokens.js";

export interface HttpApiOptions {
  store: Store;
  certs: CertificateService;
  tlsCertPem: string;
  tlsKeyPem: string;
  host: string;
  /** 0 picks a free port; the returned url has the real one. */
  port: number;
  logger: Logger;
  /** How long a node may stay silent before it counts as unresponsive (default: three 30-minute runs). */
  unresponsiveAfterMs?: number;
  /** Shared with the gRPC services so /metrics shows their counters; a fresh set when absent. */
  metrics?: ServerMetrics;
  /** The agents' Watch streams, for run now (POST /api/v1/runs); one with no streams when absent. */
  watch?: WatchHub;
  /** Serves /api/v1/rollouts when given. */
  rollouts?: RolloutController;
  /** Serves /api/v1/slos and the SLO page when given. */
  slos?: SloBudgets;
  /** Serves /api/v1/secrets and /api/v1/kms when given. */
  secrets?: SecretService;
  /** Serves /api/v1/artifacts (push and list) when given. */
  artifacts?: ArtifactStore;
  /** Serves the agent installer (/install.sh, /install/ancla-agent.deb, /api/v1/install) when given. */
  install?: InstallOptions;
  /** Handshake and idle timeouts, connections per address; the defaults when absent. */
  connections?: ConnectionLimits;
  /** Largest artifact push (413 above it). */
  maxArtifactBytes?: number;
  /** When the server's own certificates expire: the dashboard warns from 30 days before. */
  serverCertificates?: () => Record<string, Date>;
}

export interface HttpApi {
  url: string;
  /** A request answered in process, with no socket or TLS (fastify's inject): for tests and tools that need neither. */
  inject(request: InjectOptions): Promise<LightMyRequestResponse>;
  /** The TLS certificate new connections get (a renewal, without a restart). */
  setCertificate(certPem: string, keyPem: string): void;
  close(): Promise<void>;
}

export async function startHttpApi(opts: HttpApiOptions): Promise<HttpApi> {
  const limits = opts.connections ?? DEFAULT_CONNECTION_LIMITS;
  const app = Fastify({
    https: { cert: opts.tlsCertPem, key: opts.tlsKeyPem, handshakeTimeout: limits.handshakeTimeoutMs },
    // A connection that sends nothing for this long is closed, between requests or inside one (a stalled upload).
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.idleTimeoutMs,
    loggerInstance: opts.logger,
    // Unknown body fields are an error, not silently dropped: a typo like "ttl" must not mean "default TTL".
    ajv: { customOptions: { removeAdditional: false } },
    // A release is named by its site version in the path: git:<40 hex>+sha256:<64 hex> is 117 characters (100 by default).
    maxParamLength: 256,
  });
  const deps: ApiDeps = {
    store: opts.store,
    certs: opts.certs,
    statusOptions: (): StatusOptions => ({ now: new Date(), unresponsiveAfterMs: opts.unresponsiveAfterMs }),
    serverCertificates: opts.serverCertificates,
    rollouts: opts.rollouts,
    slos: opts.slos,
    secrets: opts.secrets,
  };
  capConnectionsPerAddress(app.server, limits.maxConnectionsPerAddress);
  boundHandshakeTime(app.server as unknown as TlsServer, limits.handshakeTimeoutMs);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  const metrics = opts.metrics ?? new ServerMetrics(opts.store, deps.statusOptions);
  app.addHook("onResponse", countInternalErrors(metrics));
  // `Server-Timing: app;dur=MS` (request received to reply serialised) on every answer, so dev tools
  // and the fleet benchmark see the server's own time apart from the network's.
  app.addHook("onSend", async (_request, reply) => {
    void reply.header("server-timing", `app;dur=${reply.elapsedTime.toFixed(2)}`);
  });
  // Before the routes: swagger collects their schemas as they are added.
  await app.register(swagger, OPENAPI);
  const watch = opts.watch ?? new WatchHub();
  await app.register(
    authenticated(deps.store, (api) => registerApi(api, deps, watch)),
    { prefix: "/api/v1" },
  );
  if (opts.artifacts) await app.register(authenticated(opts.store, artifactRoutes(opts.artifacts, opts.store, opts.maxArtifactBytes)), { prefix: "/api/v1" });
  if (opts.install) await app.register(installRoutes(opts.install, opts.store));
  // The API's description is public (it holds no data), so clients can read it before they have a token.
  app.get("/api/v1/openapi.json", async () => app.swagger());
  await app.register(authenticated(opts.store, metricsRoutes(metrics)));
  await app.register(dashboardRoutes(deps));
  await app.listen({ host: opts.host, port: opts.port });
  return {
    url: urlOf(app.server.address() as AddressInfo, opts.host),
    setCertificate: (certPem, keyPem) => (app.server as import("node:https").Server).setSecureContext({ cert: certPem, key: keyPem }),
    inject: (request) => app.inject(request),
    close: () => app.close(),
  };
}

async function registerApi(api: ApiInstance, deps: ApiDeps, watch: WatchHub): Promise<void> {
  certRoutes(api, deps);
  tokenRoutes(api, deps);
  nodeRoutes(api, deps);
  reportRoutes(api, deps);
  fleetRoutes(api, deps);
  catalogRoutes(api, deps);
  auditRoutes(api, deps);
  releaseRoutes(api, deps);
  runRoutes(api, deps, watch);
  if (deps.rollouts) await rolloutRoutes(deps.rollouts)(api);
  if (deps.slos) await sloRoutes(deps.slos)(api);
  if (deps.secrets) await secretRoutes(deps.secrets)(api);
}

/** The OpenAPI document's frame; the paths come from the tagged routes' schemas (untagged ones, like the dashboard's, stay out). */
const OPENAPI = {
  openapi: {
    openapi: "3.0.3",
    info: {
      title: "Ancla server API",
      version: "1",
      description: "Nodes, run reports and drift, catalogs, certificates, tokens and the audit log. Every route needs `Authorization: Bearer TOKEN`; roles viewer < operator < admin.",
    },
    components: { securitySchemes: { bearer: { type: "http" as const, scheme: "bearer" } } },
    security: [{ bearer: [] }],
  },
  hideUntagged: true,
};

/** A URL a local client can dial: a wildcard bind is reached over loopback. */
function urlOf(address: AddressInfo, host: string): string {
  const wildcard = host === "0.0.0.0" || host === "::" || host === "";
  const name = wildcard ? (address.family === "IPv6" ? "::1" : "127.0.0.1") : host;
  return `https://${name.includes(":") ? `[${name}]` : name}:${address.port}`;
}
