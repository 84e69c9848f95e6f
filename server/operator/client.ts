// A small HTTPS JSON client for the operator API, with the server's CA pinned.
// node:https rather than fetch: Node 20's fetch cannot take a custom CA without undici.
import { request } from "node:https";
import type { Readable } from "node:stream";
import { isIP } from "node:net";
import { checkServerIdentity, type PeerCertificate } from "node:tls";
import { subjectAltNames } from "../../pki/subject-names.js";
import { AnclaError } from "../../core/errors.js";
import type { Connection } from "./connection.js";

/** The API answered with an error; the message is `CODE: what happened`, the line runCli prints. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = "ApiError";
  }
}

const TIMEOUT_MS = 30_000;
const TLS_TRUST_ERRORS = new Set(["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "SELF_SIGNED_CERT_IN_CHAIN", "DEPTH_ZERO_SELF_SIGNED_CERT", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY"]);
/** Verification failures that are about time: most often this host's clock is wrong, not the certificate. */
const TLS_CLOCK_ERRORS = new Set(["CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID"]);

export class ApiClient {
  constructor(private readonly conn: Connection) {}

  get<T>(path: string): Promise<T> {
    return this.send<T>("GET", path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.send<T>("POST", path, body === undefined ? undefined : { json: body });
  }

  delete<T>(path: string): Promise<T> {
    return this.send<T>("DELETE", path);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.send<T>("PUT", path, { json: body });
  }

  /** PUTs a stream of `size` bytes (a file) as the body, without holding it in memory. */
  upload<T>(path: string, stream: Readable, size: number): Promise<T> {
    return this.send<T>("PUT", path, { stream, size });
  }

  private send<T>(method: string, path: string, body?: { json: unknown } | { stream: Readable; size: number }): Promise<T> {
    const url = new URL(`/api/v1${path}`, this.conn.url);
    const payload = body && "json" in body ? JSON.stringify(body.json) : undefined;
    const headers: Record<string, string> = { authorization: `Bearer ${this.conn.token}`, accept: "application/json" };
    if (payload !== undefined) headers["content-type"] = "application/json";
    if (body && "stream" in body) Object.assign(headers, { "content-type": "application/octet-stream", "content-length": String(body.size) });
    return new Promise<T>((resolve, reject) => {
      const req = request(url, { method, headers, timeout: TIMEOUT_MS, ...tlsOptions(url, this.conn.caPem) }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          try {
            resolve(decode<T>(res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8"), url));
          } catch (err) {
            reject(err);
          }
        });
      });
      req.on("timeout", () => req.destroy(new AnclaError("ANCLA_E_SERVER_UNREACHABLE", `no answer from ${url.origin} within ${TIMEOUT_MS / 1000}s`)));
      req.on("error", (err) => reject(this.transportError(err, url)));
      if (body && "stream" in body) body.stream.on("error", (err) => req.destroy(err)).pipe(req);
      else req.end(payload);
    });
  }

  private transportError(err: Error, url: URL): Error {
    if (err instanceof AnclaError) return err;
    const code = (err as NodeJS.ErrnoException).code ?? "";
    if (TLS_CLOCK_ERRORS.has(code)) {
      return new AnclaError("ANCLA_E_CLOCK_SKEW", `clock skew? the certificate of ${url.origin} is outside its validity by this host's time, ${new Date().toISOString()}: ${err.message}`, {
        cause: err,
      });
    }
    if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
      const names = subjectAltNames((err as { cert?: PeerCertificate }).cert);
      return new AnclaError("ANCLA_E_TLS_NAME_MISMATCH", `the certificate of ${url.origin} is for ${names.join(", ") || "another name"}, not ${(err as { host?: string }).host ?? url.hostname}`, {
        cause: err,
      });
    }
    if (TLS_TRUST_ERRORS.has(code)) {
      return new AnclaError("ANCLA_E_CERT_INVALID", `the server at ${url.origin} is not trusted by the CA in ${this.conn.caSource}: ${err.message}`, { cause: err });
    }
    return new AnclaError("ANCLA_E_SERVER_UNREACHABLE", `cannot reach ${url.origin}: ${err.message}`, { cause: err });
  }
}

/**
 * The server certificate names its hostname and "localhost". A loopback IP
 * (the default API address) is checked as "localhost": an IP literal is not in
 * the certificate, and skipping the check would let any certificate this CA
 * issued (every agent's) stand in for the server.
 */
function tlsOptions(url: URL, caPem: string) {
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const identity = isLoopback(host) ? "localhost" : host;
  return {
    ca: caPem,
    servername: isIP(host) ? undefined : host,
    checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(identity, cert),
  };
}

function isLoopback(host: string): boolean {
  return host === "::1" || (isIP(host) === 4 && host.startsWith("127."));
}

function decode<T>(status: number, text: string, url: URL): T {
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError(status, "ANCLA_E_HTTP", `HTTP ${status} from ${url.origin} with a body that is not JSON`);
  }
  if (status >= 200 && status < 300) return body as T;
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (typeof error?.code === "string" && typeof error.message === "string") throw new ApiError(status, error.code, error.message);
  throw new ApiError(status, "ANCLA_E_HTTP", `HTTP ${status} from ${url.origin}${url.pathname}`);
}
