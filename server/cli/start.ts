// `ancla-server start`: serve agents (mTLS gRPC) and operators (HTTPS API)
// from an initialised data dir until SIGTERM/SIGINT, then stop gracefully.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { createSiteCompiler } from "../../catalog/site/compiler.js";
import { AnclaError } from "../../proto/errors.js";
import { CatalogService } from "../catalogs/service.js";
import { ContentStore } from "../catalogs/content-store.js";
import { CertificateService } from "../ca/service.js";
import { dataDirPaths, type DataDirPaths, type ServerSettings } from "../datadir.js";
import { startGrpcEndpoint } from "../grpc/server.js";
import { startHttpApi } from "../http/server.js";
import { createLogger } from "../log.js";
import { openStore } from "../store/sqlite.js";
import { writeRuntime, type RuntimeInfo } from "../runtime.js";

export interface StartOptions {
  dataDir: string;
  grpc?: string;
  http?: string;
}

function read(path: string): string {
  return readFileSync(path, "utf8");
}

function loadSettings(paths: DataDirPaths): ServerSettings {
  if (!existsSync(paths.caCert)) throw new AnclaError("ANCLA_E_CA_MISSING", `${paths.caCert} not found`);
  return JSON.parse(read(paths.settings)) as ServerSettings;
}

function splitHostPort(address: string, flag: string): { host: string; port: number } {
  const i = address.lastIndexOf(":");
  const port = Number(address.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new AnclaError("ANCLA_E_USAGE", `${flag} ${address}: expected HOST:PORT`);
  return { host: address.slice(0, i), port };
}

/** Starts both endpoints; resolves once they listen, with a function that stops them. */
export async function startServer(opts: StartOptions): Promise<{ runtime: RuntimeInfo; stop(): Promise<void> }> {
  const paths = dataDirPaths(resolve(opts.dataDir));
  const settings = loadSettings(paths);
  const grpcAddress = opts.grpc ?? settings.grpc;
  const http = splitHostPort(opts.http ?? settings.http, "--http");
  splitHostPort(grpcAddress, "--grpc");
  const logger = createLogger("ancla-server");

  const ca = { certPem: read(paths.caCert), keyPem: read(paths.caKey) };
  const tls = { certPem: read(paths.serverCert), keyPem: read(paths.serverKey) };
  const signer = { certPem: read(paths.signerCert), keyPem: read(paths.signerKey) };
  const store = openStore(paths.database);
  const certs = new CertificateService(store, ca, { agentCertDays: settings.agentCertDays });
  const content = new ContentStore(paths.content);
  const catalogs = new CatalogService(store, createSiteCompiler(settings.site), signer, content, { ttlSeconds: settings.catalogTtlSeconds });

  const grpc = await startGrpcEndpoint({
    address: grpcAddress,
    caCertPem: ca.certPem,
    tlsCertPem: tls.certPem,
    tlsKeyPem: tls.keyPem,
    agent: { trust: { caCertPem: ca.certPem, isRevoked: (s) => certs.isRevoked(s) }, catalogs, content, store, certs },
    bootstrap: { caCertPem: ca.certPem, certs },
  });
  const api = await startHttpApi({ store, certs, tlsCertPem: tls.certPem, tlsKeyPem: tls.keyPem, host: http.host, port: http.port, logger });
  const runtime: RuntimeInfo = { pid: process.pid, grpc: grpc.address, url: api.url };
  writeRuntime(paths.runtime, runtime);
  logger.info({ grpc: grpc.address, api: api.url, site: settings.site }, "ancla-server listening");

  return {
    runtime,
    stop: async () => {
      logger.info("shutting down");
      await grpc.shutdown(5000);
      await api.close();
      store.close();
      rmSync(paths.runtime, { force: true });
      logger.info("stopped");
    },
  };
}
