// The one catalog of Ancla errors. Codes are stable (they appear in reports,
// logs and gRPC details, and users search for them); messages say what to do.
// It lives in core/ because every layer above (proto, pki, catalog, agent,
// server) raises these and core/ is the floor they all stand on.

/** gRPC status codes by name, so this file needs no gRPC library (the server and agent map names to numbers). */
export type GrpcStatusName = "INVALID_ARGUMENT" | "FAILED_PRECONDITION" | "PERMISSION_DENIED" | "UNAUTHENTICATED" | "NOT_FOUND" | "ALREADY_EXISTS" | "RESOURCE_EXHAUSTED" | "UNAVAILABLE" | "INTERNAL";

/**
 * Everything about one code: the hint that says what to do, and how it
 * leaves the server over the API (HTTP status) and to agents (gRPC status).
 * `generic` marks the code a bare gRPC status stands for when several codes
 * share it and the answer names none.
 */
export interface ErrorEntry {
  hint: string;
  http: number;
  grpc: GrpcStatusName;
  generic?: true;
}

/** A code that is never a refusal of the caller: on the server it is the server's own failure (500, INTERNAL). */
function own(hint: string): ErrorEntry {
  return { hint, http: 500, grpc: "INTERNAL" };
}

export const errorEntries = {
  ANCLA_E_USAGE: { hint: "invalid command line; run with --help", http: 400, grpc: "INVALID_ARGUMENT" },
  ANCLA_E_CONFIG: own("invalid configuration"),
  ANCLA_E_IO: own("file system operation failed"),
  ANCLA_E_CA_EXISTS: own("a CA already exists in this data dir; use another --data-dir or remove it"),
  ANCLA_E_CA_MISSING: own("no CA in this data dir; run `ancla-server init` first"),
  ANCLA_E_CA_PIN_MISMATCH: own("the server's CA does not match the pinned fingerprint; check --ca-fingerprint"),
  ANCLA_E_CSR_INVALID: { hint: "the certificate request is malformed or its signature does not verify", http: 400, grpc: "INVALID_ARGUMENT" },
  ANCLA_E_CERT_INVALID: { hint: "the certificate is malformed, expired or not issued by this CA", http: 400, grpc: "UNAUTHENTICATED" },
  ANCLA_E_CERT_REVOKED: { hint: "the certificate has been revoked; request a new one with `ancla-agent bootstrap`", http: 403, grpc: "PERMISSION_DENIED" },
  ANCLA_E_CERT_EXPIRED: {
    hint: "this agent's certificate expired while the host was away; its renewal waits for an operator (ancla cert sign NAME), or bootstrap again",
    http: 401,
    grpc: "UNAUTHENTICATED",
  },
  ANCLA_E_CERT_REJECTED: { hint: "an operator rejected the certificate request; ask them why, then bootstrap again (a new request)", http: 403, grpc: "PERMISSION_DENIED" },
  ANCLA_E_CERT_PENDING: { hint: "the certificate request waits for an operator: `ancla cert sign NAME`", http: 409, grpc: "FAILED_PRECONDITION" },
  ANCLA_E_CERT_UNKNOWN: { hint: "no certificate or request for that certname", http: 404, grpc: "NOT_FOUND" },
  ANCLA_E_CSR_CONFLICT: {
    hint: "a request with another key already waits for this certname; compare key fingerprints in `ancla cert list` and reject the wrong one",
    http: 409,
    grpc: "ALREADY_EXISTS",
    generic: true,
  },
  ANCLA_E_RESOURCE_EXHAUSTED: { hint: "the server refuses more of these requests for now; wait and retry", http: 429, grpc: "RESOURCE_EXHAUSTED", generic: true },
  ANCLA_E_TOKEN_INVALID: { hint: "the bootstrap token is unknown, expired, used, or not valid for this certname", http: 403, grpc: "PERMISSION_DENIED" },
  ANCLA_E_NOT_BOOTSTRAPPED: own("this agent has no certificate yet; run `ancla-agent bootstrap`"),
  ANCLA_E_SIGNATURE_INVALID: own("the catalog signature does not verify against the pinned CA"),
  ANCLA_E_CATALOG_FOREIGN: own("the catalog was compiled for another node"),
  ANCLA_E_CATALOG_STALE: own("the catalog is older than the one this agent already holds"),
  ANCLA_E_CATALOG_EXPIRED: own("the catalog has expired"),
  ANCLA_E_CATALOG_MALFORMED: own("the catalog payload is not a valid Ancla catalog"),
  ANCLA_E_NO_CATALOG: own("no catalog to apply: the server gave none (the line before says why) and this agent holds no cached one"),
  ANCLA_E_COMPILE: { hint: "the site does not compile for this node", http: 422, grpc: "FAILED_PRECONDITION", generic: true },
  ANCLA_E_SITE: own("the site is invalid"),
  ANCLA_E_SERVER_UNREACHABLE: { hint: "the server cannot be reached", http: 503, grpc: "UNAVAILABLE" },
  ANCLA_E_INTERNAL: { hint: "the server failed to handle the request; see its log", http: 500, grpc: "INTERNAL", generic: true },
  ANCLA_E_TLS_NAME_MISMATCH: own("the server's certificate is for another name; connect by a name it is for (ancla-agent --server, ancla --url) or reissue the server certificate"),
  ANCLA_E_CLOCK_SKEW: own("this host's clock disagrees with the certificate's validity; set the time right (NTP) and retry"),
  ANCLA_E_LOCKED: own("another run holds the agent lock"),
  ANCLA_E_REPORT_LOST: own("a run's report could be neither queued nor delivered, so the server never saw it; that run's own error (on the host's stderr or journal) says why"),
  ANCLA_E_RESOURCE_FAILED: own("a resource could not be brought into its desired state"),
  ANCLA_E_DEPENDENCY_FAILED: own("skipped because a resource it depends on failed"),
  ANCLA_E_CONTENT_MISMATCH: own("fetched content does not match its SHA-256 digest"),
  ANCLA_E_IMAGE_ROLLED_BACK: own("the image failed its health check and was switched back; fix the image and name another digest in the catalog"),
  ANCLA_E_IMAGE_BAD: own("this image digest was rolled back before and is not retried; name another digest in the catalog"),
  ANCLA_E_IMAGE_UNSAFE: own("the image has an entry that would land outside its slot (absolute path, .., a link out, or a device); rebuild the tar"),
  ANCLA_E_ARTIFACT_CONFLICT: { hint: "that artifact NAME@VERSION already holds other content; artifacts are immutable, push a new version", http: 409, grpc: "ALREADY_EXISTS" },
  ANCLA_E_RUN_ID_AMBIGUOUS: { hint: "more than one node reported that run id; name the node (API: ?node=NAME, CLI: --node NAME)", http: 409, grpc: "FAILED_PRECONDITION" },
  ANCLA_E_LAST_ADMIN_TOKEN: { hint: "that is the last live admin token; create another admin token first, or nobody could administer the server", http: 409, grpc: "FAILED_PRECONDITION" },
  ANCLA_E_UNAUTHENTICATED: { hint: "no valid client certificate was presented", http: 401, grpc: "UNAUTHENTICATED", generic: true },
  ANCLA_E_PERMISSION_DENIED: { hint: "this caller may not do that", http: 403, grpc: "PERMISSION_DENIED", generic: true },
  ANCLA_E_INVALID_ARGUMENT: { hint: "the request is malformed", http: 400, grpc: "INVALID_ARGUMENT", generic: true },
  ANCLA_E_NOT_FOUND: { hint: "no such object", http: 404, grpc: "NOT_FOUND", generic: true },
  ANCLA_E_TOO_LARGE: { hint: "the request is over a size limit of this server (README: Limits)", http: 413, grpc: "RESOURCE_EXHAUSTED" },
  ANCLA_E_HTTP: own("the server's API answered with an error"),
  ANCLA_E_ROLLOUT_ACTIVE: { hint: "that environment already has a rollout that has not ended; see `ancla rollout list`, and wait for it or abort it", http: 409, grpc: "FAILED_PRECONDITION" },
  ANCLA_E_ROLLOUT_STATE: { hint: "the rollout's state does not allow that now; see `ancla rollout status ID`", http: 409, grpc: "FAILED_PRECONDITION" },
  ANCLA_E_ROLLOUT_INVALID: { hint: "that rollout cannot start; the message says what is missing", http: 422, grpc: "FAILED_PRECONDITION" },
  ANCLA_E_RELEASE_BAD: { hint: "that release was rolled back in this environment; roll out a fixed release, or start again with --force", http: 409, grpc: "FAILED_PRECONDITION" },
  ANCLA_E_ROLLOUT_FROZEN: {
    hint: "an SLO over that environment has spent its error budget (`ancla slo list`); wait for it to recover, or start with --override-freeze REASON as an admin",
    http: 409,
    grpc: "FAILED_PRECONDITION",
  },
  ANCLA_E_SECRET_UNREADABLE: own(
    "a sealed secret does not decrypt: its ciphertext or wrapped data key was altered, or its key-encryption key is gone; restore the data dir's kms/ keys from backup, or set the secret again",
  ),
  ANCLA_E_SECRET_MISSING: own("a resource uses a secret the server does not hold: `ancla secret set NAME` makes it, and the node's next run applies the resource"),
  ANCLA_E_KMS: own("the key-encryption key provider failed; the message says which key and why"),
  ANCLA_E_SELF_APPROVAL: { hint: "a rollout step needs the approval of someone other than who started the rollout", http: 403, grpc: "PERMISSION_DENIED" },
} as const satisfies Record<string, ErrorEntry>;

export type AnclaErrorCode = keyof typeof errorEntries;

/** Each code's hint. */
export const errorCatalog = Object.fromEntries(Object.entries(errorEntries).map(([code, e]) => [code, e.hint])) as Record<AnclaErrorCode, string>;

export function isAnclaErrorCode(code: string): code is AnclaErrorCode {
  return Object.hasOwn(errorEntries, code);
}

/** The code a bare gRPC status (one whose details name no code) stands for: the only code with it, or its generic one. */
export function codeForGrpcStatus(name: GrpcStatusName): AnclaErrorCode | undefined {
  const withIt = (Object.keys(errorEntries) as AnclaErrorCode[]).filter((code) => errorEntries[code].grpc === name);
  return withIt.length === 1 ? withIt[0] : withIt.find((code) => (errorEntries[code] as ErrorEntry).generic);
}

/** A typed error with a stable code and the context that locates it. */
export class AnclaError extends Error {
  constructor(
    readonly code: AnclaErrorCode,
    detail?: string,
    options?: { cause?: unknown },
  ) {
    super(detail ? `${detail}` : errorCatalog[code], options);
    this.name = "AnclaError";
  }

  /**
   * One line for a terminal or a log: code, what happened, what to do. The
   * hint is left out when the message already holds it, as a message relayed
   * from the server's own line does.
   */
  get line(): string {
    const hint = errorCatalog[this.code];
    return this.message.includes(hint) ? `${this.code}: ${this.message}` : `${this.code}: ${this.message} (${hint})`;
  }
}

export function isAnclaError(err: unknown, code?: AnclaErrorCode): err is AnclaError {
  return err instanceof AnclaError && (code === undefined || err.code === code);
}
