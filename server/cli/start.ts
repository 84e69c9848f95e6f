// `ancla-server start`: serve agents (mTLS gRPC) and operators (HTTPS API)
// from an initialised data dir until SIGTERM/SIGINT, then stop gracefully.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { AnclaError } from "../../core/errors.js";
import { ArtifactStore } from "../artifacts/store.js";
import { CatalogService } from "../catalogs/service.js";
import { CompilePool, DEFAULT_COMPILE_LIMITS, type CompileLimits } from "../catalogs/compile-pool.js";
import { ReleaseService } from "../releases/service.js";
import { ContentStore } from "../catalogs/content-store.js";
import { CertificateService } from "../ca/service.js";
import { dataDirPaths, type DataDirPaths } from "../datadir.js";
import { readServerSettings, type ServerSettings } from "../settings.js";
import { startGrpcEndpoint } from "../grpc/server.js";
import { logInternalErrors } from "../grpc/status.js";
import { startHttpApi } from "../http/server.js";
import { DEFAULT_MESSAGE_LIMITS, type MessageLimits } from "../grpc/limits.js";
import { DEFAULT_MAX_MESSAGE_BYTES } from "../grpc/server.js";
import { DEFAULT_MAX_ARTIFACT_BYTES } from "../http/routes/artifacts.js";
import { createLogger } from "../log.js";
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from "../net/connections.js";
import { ServerMetrics } from "../metrics/metrics.js";
import { DEFAULT_UNRESPONSIVE_AFTER_MS, type StatusOptions } from "../status.js";
import { DEFAULT_RETENTION_DAYS, scheduleRetention } from "../store/retention.js";
import { openStore } from "../store/sqlite/index.js";
import { LocalKms } from "../secrets/local-kms.js";
import { SecretService } from "../secrets/service.js";
import { writeRuntime, type RuntimeInfo } from "../runtime.js";
import { pruneReleases } from "../releases/retention.js";
import { ReleaseTrees } from "../releases/tree.js";
import { RolloutController } from "../rollouts/controller.js";
import { SloBudgets } from "../slo/service.js";
import { ReleasePlacement } from "../rollouts/placement.js";
import { SitePolicy } from "../rollouts/policy.js";
import { WatchHub } from "../watch/hub.js";
import { statAgentPackage } from "../install/installer.js";
import { loadCertifiedKey, scheduleServerCertificateRenewal, serverCertificateExpiries } from "../ca/server-certificates.js";

export interface StartOptions {
  dataDir: string;
  grpc?: string;
  http?: string;
  /** Days a run report is kept (each node's latest is kept regardless); 0 keeps all. Overrides server.json. */
  reportRetentionDays?: number;
  /** Minutes of silence after which a node is unresponsive. Overrides server.json. */
  unresponsiveAfterMinutes?: number;
  /** The agent .deb hosts install from (GET /install.sh); no installer routes without it. */
  agentPackage?: string;
  /** HOST:PORT hosts reach the API at, for /install.sh; the certificate's name and the API port when absent. */
  publicAddress?: string;
  /** Bounds on what one client may hold or send (README "Limits"); the default for each one absent. */
  limits?: Partial<ServerLimits>;
  /** How often the server's own certificates are checked for renewal (6 h), and the clock it uses (tests move it). */
  certificateCheck?: { intervalMs?: number; now?: () => Date };
}

const CERTIFICATE_CHECK_MS = 6 * 3600_000;

export interface ServerLimits extends ConnectionLimits, MessageLimits, CompileLimits {
  /** Largest gRPC request message. */
  maxMessageBytes: number;
  /** Largest artifact push. */
  maxArtifactBytes: number;
}

const DEFAULT_LIMITS: ServerLimits = {
  ...DEFAULT_CONNECTION_LIMITS,
  ...DEFAULT_MESSAGE_LIMITS,
  ...DEFAULT_COMPILE_LIMITS,
  maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
  maxArtifactBytes: DEFAULT_MAX_ARTIFACT_BYTES,
};

/** The defaults overridden by what was given; each given one a whole number from 1. */
function serverLimits(given: Partial<ServerLimits> = {}): ServerLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(given) as [keyof ServerLimits, unknown][]) {
    if (value !== undefined) limits[key] = wholeNumber(value, 1, `limit ${key}`);
  }
  return limits;
}

function read(path: string): string {
  return readFileSync(path, "utf8");
}

function loadSettings(paths: DataDirPaths): ServerSettings {
  if (!existsSync(paths.caCert)) throw new AnclaError("ANCLA_E_CA_MISSING", `${paths.caCert} not found`);
  return readServerSettings(paths.settings);
}

/** A whole number ≥ min, or a config error naming where it came from. */
function wholeNumber(value: unknown, min: number, where: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) throw new AnclaError("ANCLA_E_CONFIG", `${where} must be a whole number from ${min}, got ${JSON.stringify(value)}`);
  return value;
}

// server.json was checked when it was read; what is checked here are the options of startServer.
function operationSettings(opts: StartOptions, settings: ServerSettings): { retentionDays: number; unresponsiveAfterMs: number } {
  const retention = opts.reportRetentionDays === undefined ? settings.reportRetentionDays : wholeNumber(opts.reportRetentionDays, 0, "reportRetentionDays");
  const silence = opts.unresponsiveAfterMinutes === undefined ? settings.unresponsiveAfterMinutes : wholeNumber(opts.unresponsiveAfterMinutes, 1, "unresponsiveAfterMinutes");
  return {
    retentionDays: retention ?? DEFAULT_RETENTION_DAYS,
    unresponsiveAfterMs: silence === undefined ? DEFAULT_UNRESPONSIVE_AFTER_MS : silence * 60_000,
  };
}

function splitHostPort(address: string, flag: string): { host: string; port: number } {
  const i = address.lastIndexOf(":");
  const port = Number(address.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new AnclaError("ANCLA_E_USAGE", `${flag} ${address}: expected HOST:PORT`);
  return { host: address.slice(0, i), port };
}

/** Starts both endpoints; resolves once they listen, with a function that stops them. */
export async function startServer(opts: StartOptions): Promise<{ runtime: RuntimeInfo; watch: WatchHub; stop(): Promise<void> }> {
  const paths = dataDirPaths(resolve(opts.dataDir));
  const settings = loadSettings(paths);
  const grpcAddress = opts.grpc ?? settings.grpc;
  const http = splitHostPort(opts.http ?? settings.http, "--http");
  splitHostPort(grpcAddress, "--grpc");
  const logger = createLogger("ancla-server");
  const operations = operationSettings(opts, settings);
  const limits = serverLimits(opts.limits);
  // Checked before anything listens: a wrong agent_package must not leave a half-started server.
  if (opts.agentPackage !== undefined) statAgentPackage(opts.agentPackage);
  if (opts.publicAddress !== undefined) splitHostPort(opts.publicAddress, "public_address");

  const ca = { certPem: read(paths.caCert), keyPem: read(paths.caKey) };
  const tls = { certPem: read(paths.serverCert), keyPem: read(paths.serverKey) };
  const signer = { certPem: read(paths.signerCert), keyPem: read(paths.signerKey) };
  const store = openStore(paths.database);
  const certs = new CertificateService(store, ca, { agentCertDays: settings.agentCertDays });
  const content = new ContentStore(paths.content);
  const artifacts = new ArtifactStore(paths.artifacts, store);
  // A data dir from before secrets gets its first key-encryption key here; one whose keys are lost does not start.
  const secrets = new SecretService(store, new LocalKms(paths.kms, { createFirst: (await store.secrets.kekVersionsInUse()).length === 0 }));
  await secrets.checkKeys();
  const statusOptions = (): StatusOptions => ({ now: new Date(), unresponsiveAfterMs: operations.unresponsiveAfterMs });
  const metrics = new ServerMetrics(store, statusOptions);
  const releaseBlobs = new ContentStore(paths.releases);
  const releases = new ReleaseService(store, releaseBlobs, settings.site, logger);
  const compiler = new CompilePool({ ...limits, siteDir: settings.site, artifacts: { databaseFile: paths.database } });

  // The daemons' open Watch streams: `POST /api/v1/runs` and rollouts nudge through them; the gRPC endpoint ends them when it stops.
  const watch = new WatchHub();
  metrics.watchStreams(() => watch.connected().length);

  // Rollouts resume where they were before anything listens, so the first check-in is placed as they left it.
  const policy = new SitePolicy(settings.site);
  const site = { version: () => compiler.siteVersion(), policy: (version: string) => policy.at(version) };
  // SLO budgets and analysis read the probes' health the agents report over ReportHealth.
  const budgets = new SloBudgets({ health: store.health, site, environmentNodes: (environment) => store.rollouts.environmentNodes(environment) });
  const rollouts = new RolloutController({
    store: store.rollouts,
    health: store,
    releases: store.releases,
    site,
    analysis: { health: store.health },
    budgets,
    runNow: watch,
    audit: (actor, action, target, detail) => store.audit.appendAudit({ at: new Date(), actor, action, target, detail }),
    logger,
  });
  await rollouts.start();
  watch.onConnect((certname) => void rollouts.connected(certname));
  metrics.rollouts(() => rollouts.activeRollouts());
  const trees = new ReleaseTrees(paths.releaseTrees, releaseBlobs, (version) => store.releases.getRelease(version));
  const placement = new ReleasePlacement(policy, rollouts, trees, async (certname) => (await store.nodes.getNode(certname))?.environment);
  const catalogs = new CatalogService(store, compiler, signer, content, {
    ttlSeconds: settings.catalogTtlSeconds,
    onCompiled: (seconds, ok) => metrics.compiled(seconds, ok),
    // Half the compile's own limit: a node whose compile waits behind slow ones keeps being answered.
    answerWithinMs: limits.compileTimeoutMs / 2,
    onSiteVersion: (version) => releases.observe(version),
    onReadyLater: (certname) => watch.nudge([certname], { reason: "its new catalog is ready" }),
    placement,
    secrets,
  });

  // Read once and again after each renewal or reload, not on every /metrics scrape and dashboard page.
  let expiries = serverCertificateExpiries(paths);
  const grpc = await startGrpcEndpoint({
    address: grpcAddress,
    caCertPem: ca.certPem,
    tlsCertPem: tls.certPem,
    tlsKeyPem: tls.keyPem,
    agent: { trust: { caCertPem: ca.certPem, isRevoked: (s) => certs.isRevoked(s) }, catalogs, content, artifacts: artifacts.blobs, store, certs, metrics, limits, watch },
    bootstrap: { caCertPem: ca.certPem, certs },
    onInternalError: logInternalErrors(logger, metrics),
    connections: limits,
    maxMessageBytes: limits.maxMessageBytes,
  });
  const api = await startHttpApi({
    store,
    certs,
    tlsCertPem: tls.certPem,
    tlsKeyPem: tls.keyPem,
    host: http.host,
    port: http.port,
    logger,
    unresponsiveAfterMs: operations.unresponsiveAfterMs,
    metrics,
    artifacts,
    watch,
    rollouts,
    slos: budgets,
    secrets,
    connections: limits,
    maxArtifactBytes: limits.maxArtifactBytes,
    serverCertificates: () => expiries,
    install:
      opts.agentPackage === undefined
        ? undefined
        : {
            agentPackage: resolve(opts.agentPackage),
            caCertPem: ca.certPem,
            tlsCertPem: tls.certPem,
            hostname: settings.hostname,
            grpcPort: Number(grpc.address.split(":").pop()),
            publicAddress: opts.publicAddress,
          },
  });
  const retention = scheduleRetention(store, {
    days: operations.retentionDays,
    logger,
    onPruned: (count) => metrics.prunedReports(count),
    releases: () => pruneReleases({ store, referenced: () => rollouts.referencedReleases(), blobsDir: paths.releases, trees, onPruned: (version) => releases.forget(version) }),
  });
  metrics.certificateExpiries(() => expiries);
  metrics.compilePool(() => compiler.load());
  // Renewed ahead of expiry while running; new connections and new catalogs use them at once.
  const renewal = scheduleServerCertificateRenewal(paths, ca, {
    intervalMs: opts.certificateCheck?.intervalMs ?? CERTIFICATE_CHECK_MS,
    now: opts.certificateCheck?.now,
    logger,
    onRenewed: (names) => {
      if (names.includes("server")) {
        const renewed = loadCertifiedKey(paths, "server");
        grpc.setCertificate(renewed.certPem, renewed.keyPem);
        api.setCertificate(renewed.certPem, renewed.keyPem);
      }
      if (names.includes("signing")) catalogs.setSigner(loadCertifiedKey(paths, "signing"));
      expiries = serverCertificateExpiries(paths);
    },
  });
  // SIGHUP (from `signing-key rotate`): the signing key and the revocation list on disk and in the database may be new.
  const reload = (): void => {
    try {
      catalogs.setSigner(loadCertifiedKey(paths, "signing"));
      certs.forgetRevocationList();
      expiries = serverCertificateExpiries(paths);
      logger.info("reloaded the catalog-signing key and the revocation list");
    } catch (err) {
      logger.error({ err }, "reloading the catalog-signing key failed; still signing with the previous one");
    }
  };
  process.on("SIGHUP", reload);
  const runtime: RuntimeInfo = { pid: process.pid, grpc: grpc.address, url: api.url };
  writeRuntime(paths.runtime, runtime);
  logger.info({ grpc: grpc.address, api: api.url, site: settings.site, reportRetentionDays: operations.retentionDays }, "ancla-server listening");

  return {
    runtime,
    watch,
    stop: async () => {
      logger.info("shutting down");
      process.off("SIGHUP", reload);
      await grpc.shutdown(5000);
      await api.close();
      await retention.stop();
      renewal.stop();
      await rollouts.stop();
      await compiler.close();
      await releases.settled();
      await store.close();
      rmSync(paths.runtime, { force: true });
      logger.info("stopped");
    },
  };
}
