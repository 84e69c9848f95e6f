// Shared fixtures for the server tests: temp stores, a real CA, agents' CSRs,
// reports, and a real HTTPS API on loopback.
import { mkdtempSync, rmSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { createCertificateAuthority, issueCertificate, randomSerialHex, type CertifiedKey } from "../../pki/ca.js";
import { createCsr } from "../../pki/csr.js";
import { generateKeyPair, type KeyPair } from "../../pki/keys.js";
import { ReportSchema, ReportStatus, type Report } from "../../proto/gen/ancla/v1/agent_pb.js";
import { LocalKms } from "../../server/secrets/local-kms.js";
import { SecretService } from "../../server/secrets/service.js";
import { CertificateService } from "../../server/ca/service.js";
import { startHttpApi, type HttpApi } from "../../server/http/server.js";
import { createLogger } from "../../server/log.js";
import { openStore, type Role, type Store } from "../../server/store/index.js";

export interface Teardown {
  teardown(fn: () => unknown): void;
}

/**
 * What `probe` gives once it gives something (not undefined, not false),
 * polled every 50 ms; an error naming `what` (a function: with the state
 * it saw) when it has not within `timeoutMs`.
 */
export async function eventually<T>(what: string | (() => string), probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
  }
  throw new Error(`gave up waiting after ${timeoutMs} ms: ${typeof what === "string" ? what : what()}`);
}

export function tempDir(t: Teardown): string {
  const dir = mkdtempSync(join(tmpdir(), "ancla-server-test-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function tempStore(t: Teardown): { store: Store; file: string } {
  const file = join(tempDir(t), "ancla.db");
  const store = openStore(file);
  t.teardown(() => store.close());
  return { store, file };
}

export function agentCsr(certname: string, keys: KeyPair = generateKeyPair()): { csrPem: string; keys: KeyPair } {
  return { csrPem: createCsr(keys.privateKeyPem, certname), keys };
}

export function serverIdentity(ca: CertifiedKey): CertifiedKey {
  const keys = generateKeyPair();
  const certPem = issueCertificate(ca, {
    commonName: "localhost",
    publicKeyPem: keys.publicKeyPem,
    usage: "server",
    serialHex: randomSerialHex(),
    validityDays: 1,
    dnsNames: ["localhost"],
  });
  return { certPem, keyPem: keys.privateKeyPem };
}

export function report(init: MessageInitShape<typeof ReportSchema>): Report {
  return create(ReportSchema, {
    catalogDigest: "d".repeat(64),
    siteVersion: "site-1",
    startedAt: new Date().toISOString(),
    durationMs: 1200,
    status: ReportStatus.UNCHANGED,
    catalogSource: "server",
    ...init,
  });
}

export interface TestApi {
  url: string;
  ca: CertifiedKey;
  /** The API in process (no socket, no TLS): what call() uses when it is there. */
  inject: HttpApi["inject"];
  store: Store;
  certs: CertificateService;
  tokens: Record<Role, string>;
}

/** A real API over HTTPS on 127.0.0.1, with one token per role. */
export async function startTestApi(t: Teardown, opts: { unresponsiveAfterMs?: number } = {}): Promise<TestApi> {
  const { store } = tempStore(t);
  const ca = createCertificateAuthority("Test CA");
  const tls = serverIdentity(ca);
  const certs = new CertificateService(store, ca, { agentCertDays: 30 });
  const secrets = new SecretService(store, new LocalKms(join(tempDir(t), "kms"), { createFirst: true }));
  const api = await startHttpApi({
    store,
    certs,
    secrets,
    tlsCertPem: tls.certPem,
    tlsKeyPem: tls.keyPem,
    host: "127.0.0.1",
    port: 0,
    logger: createLogger("test", { level: "silent" }),
    ...opts,
  });
  t.teardown(() => api.close());
  const tokens = {
    viewer: (await certs.createApiToken("viewer", "test viewer")).token,
    operator: (await certs.createApiToken("operator", "test operator")).token,
    admin: (await certs.createApiToken("admin", "test admin")).token,
  };
  return { url: api.url, ca, inject: api.inject, store, certs, tokens };
}

export interface RawResponse {
  status: number;
  body: unknown;
}

/**
 * One request with `body` sent verbatim (so tests can send broken JSON): in
 * process when the API is a test API (fastify's inject: the same routes,
 * hooks and serialisation, without a TLS handshake per call), otherwise over
 * HTTPS, CA-pinned.
 */
export async function call(
  api: Pick<TestApi, "url" | "ca"> & Partial<Pick<TestApi, "inject">>,
  method: string,
  path: string,
  opts: { token?: string; body?: string; contentType?: string } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers["content-type"] = opts.contentType ?? "application/json";
  if (api.inject) {
    const res = await api.inject({ method: method as "GET", url: path, headers, payload: opts.body });
    const json = String(res.headers["content-type"] ?? "").includes("json");
    return { status: res.statusCode, body: res.body ? (json ? JSON.parse(res.body) : res.body) : undefined };
  }
  return new Promise((resolve, reject) => {
    const req = httpsRequest(new URL(path, api.url), { method, headers, ca: api.ca.certPem, servername: "localhost" }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const json = String(res.headers["content-type"] ?? "").includes("json");
        resolve({ status: res.statusCode ?? 0, body: text ? (json ? JSON.parse(text) : text) : undefined });
      });
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}
