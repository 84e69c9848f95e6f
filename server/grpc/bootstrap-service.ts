// The bootstrap service, reachable without a client certificate: the CA
// bundle, certificate requests and polling for the signed certificate.
import { type BootstrapService, CertificateState } from "../../proto/gen/ancla/v1/bootstrap_pb.js";
import type { ServiceHandlers } from "../../proto/grpc.js";
import { PeerRateLimiter, peerHost, type RateLimit } from "./rate-limit.js";

type CertState = "pending" | "signed" | "rejected" | "revoked" | "unknown";

export interface BootstrapDeps {
  caCertPem: string;
  certs: {
    submitCsr(csrPem: string, token: string | undefined): Promise<{ state: CertState; certname: string; certPem?: string; message: string }>;
    getCertificate(certname: string, publicKeySha256: string): Promise<{ state: CertState; certPem?: string; message: string }>;
    crlDer(): Promise<Uint8Array>;
  };
  /** Certificate requests per peer address; BOOTSTRAP_RATE_LIMIT by default. */
  rateLimit?: RateLimit;
}

/**
 * A host asks once and then polls (GetCertificate, not limited: one indexed
 * read). A burst covers a few hosts behind one address bootstrapping at
 * once; after it, one request per 5 s. Requests signed with a valid
 * bootstrap token are not counted: the token authenticates them.
 */
export const BOOTSTRAP_RATE_LIMIT: RateLimit = { burst: 20, perSecond: 0.2 };

const wireState: Record<CertState, CertificateState> = {
  pending: CertificateState.PENDING,
  signed: CertificateState.SIGNED,
  rejected: CertificateState.REJECTED,
  revoked: CertificateState.REVOKED,
  unknown: CertificateState.UNSPECIFIED,
};

export function bootstrapHandlers(deps: BootstrapDeps): ServiceHandlers<typeof BootstrapService> {
  const limiter = new PeerRateLimiter(deps.rateLimit ?? BOOTSTRAP_RATE_LIMIT);
  return {
    getCABundle: async () => ({ caCertPem: deps.caCertPem, crlDer: await deps.certs.crlDer() }),
    submitCSR: async (req, call) => {
      const peer = peerHost(call.getPeer());
      limiter.check(peer, "certificate requests");
      let signedByToken = false;
      try {
        const r = await deps.certs.submitCsr(req.csrPem, req.token || undefined);
        signedByToken = req.token !== "" && r.state === "signed";
        return { state: wireState[r.state], certname: r.certname, certPem: r.certPem ?? "", message: r.message };
      } finally {
        // Refused ones count too: a malformed CSR or a guessed token costs the server as much.
        if (!signedByToken) limiter.spend(peer);
      }
    },
    getCertificate: async (req) => {
      const r = await deps.certs.getCertificate(req.certname, req.publicKeySha256);
      return { state: wireState[r.state], certPem: r.certPem ?? "", message: r.message };
    },
  };
}
