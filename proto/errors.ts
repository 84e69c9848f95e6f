// The one catalog of Ancla errors. Codes are stable (they appear in reports,
// logs and gRPC details, and users search for them); messages say what to do.
// It lives in proto/ because every layer above (pki, catalog, agent, server)
// raises these and proto/ is the layer they all share.

export const errorCatalog = {
  ANCLA_E_USAGE: "invalid command line; run with --help",
  ANCLA_E_CONFIG: "invalid configuration",
  ANCLA_E_IO: "file system operation failed",
  ANCLA_E_CA_EXISTS: "a CA already exists in this data dir; use another --data-dir or remove it",
  ANCLA_E_CA_MISSING: "no CA in this data dir; run `ancla-server init` first",
  ANCLA_E_CA_PIN_MISMATCH: "the server's CA does not match the pinned fingerprint; check --ca-fingerprint",
  ANCLA_E_CSR_INVALID: "the certificate request is malformed or its signature does not verify",
  ANCLA_E_CERT_INVALID: "the certificate is malformed, expired or not issued by this CA",
  ANCLA_E_CERT_REVOKED: "the certificate has been revoked; request a new one with `ancla-agent bootstrap`",
  ANCLA_E_CERT_PENDING: "the certificate request waits for an operator: `ancla cert sign NAME`",
  ANCLA_E_CERT_UNKNOWN: "no certificate or request for that certname",
  ANCLA_E_TOKEN_INVALID: "the bootstrap token is unknown, expired, used, or not valid for this certname",
  ANCLA_E_NOT_BOOTSTRAPPED: "this agent has no certificate yet; run `ancla-agent bootstrap`",
  ANCLA_E_SIGNATURE_INVALID: "the catalog signature does not verify against the pinned CA",
  ANCLA_E_CATALOG_FOREIGN: "the catalog was compiled for another node",
  ANCLA_E_CATALOG_STALE: "the catalog is older than the one this agent already holds",
  ANCLA_E_CATALOG_EXPIRED: "the catalog has expired",
  ANCLA_E_CATALOG_MALFORMED: "the catalog payload is not a valid Ancla catalog",
  ANCLA_E_NO_CATALOG: "no catalog: the server is unreachable and no cached catalog is held",
  ANCLA_E_COMPILE: "the site does not compile for this node",
  ANCLA_E_SITE: "the site is invalid",
  ANCLA_E_SERVER_UNREACHABLE: "the server cannot be reached",
  ANCLA_E_LOCKED: "another run holds the agent lock",
  ANCLA_E_RESOURCE_FAILED: "a resource could not be brought into its desired state",
  ANCLA_E_DEPENDENCY_FAILED: "skipped because a resource it depends on failed",
  ANCLA_E_CONTENT_MISMATCH: "fetched content does not match its SHA-256 digest",
  ANCLA_E_IMAGE_ROLLED_BACK: "the image failed its health check and was switched back; fix the image and name another digest in the catalog",
  ANCLA_E_IMAGE_BAD: "this image digest was rolled back before and is not retried; name another digest in the catalog",
  ANCLA_E_IMAGE_UNSAFE: "the image has an entry that would land outside its slot (absolute path, .., a link out, or a device); rebuild the tar",
  ANCLA_E_ARTIFACT_CONFLICT: "that artifact NAME@VERSION already holds other content; artifacts are immutable, push a new version",
  ANCLA_E_UNAUTHENTICATED: "no valid client certificate was presented",
  ANCLA_E_PERMISSION_DENIED: "this caller may not do that",
  ANCLA_E_INVALID_ARGUMENT: "the request is malformed",
  ANCLA_E_NOT_FOUND: "no such object",
  ANCLA_E_HTTP: "the server's API answered with an error",
} as const;

export type AnclaErrorCode = keyof typeof errorCatalog;

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

  /** One line for a terminal or a log: code, what happened, what to do. */
  get line(): string {
    const hint = errorCatalog[this.code];
    return this.message === hint ? `${this.code}: ${hint}` : `${this.code}: ${this.message} (${hint})`;
  }
}

export function isAnclaError(err: unknown, code?: AnclaErrorCode): err is AnclaError {
  return err instanceof AnclaError && (code === undefined || err.code === code);
}
