// The bootstrap service, reachable without a client certificate: the CA
// bundle, certificate requests and polling for the signed certificate.
import { BootstrapService, CertificateState } from "../../proto/gen/ancla/v1/bootstrap_pb.js";
import type { ServiceHandlers } from "../../proto/grpc.js";
import { toRpcError } from "./status.js";

type CertState = "pending" | "signed" | "rejected" | "revoked" | "unknown";

export interface BootstrapDeps {
  caCertPem: string;
  certs: {
    submitCsr(csrPem: string, token: string | undefined): { state: CertState; certname: string; certPem?: string; message: string };
    getCertificate(certname: string, publicKeySha256: string): { state: CertState; certPem?: string; message: string };
    crlDer(): Uint8Array;
  };
}

const wireState: Record<CertState, CertificateState> = {
  pending: CertificateState.PENDING,
  signed: CertificateState.SIGNED,
  rejected: CertificateState.REJECTED,
  revoked: CertificateState.REVOKED,
  unknown: CertificateState.UNSPECIFIED,
};

export function bootstrapHandlers(deps: BootstrapDeps): ServiceHandlers<typeof BootstrapService> {
  const attempt = <T>(fn: () => T): Promise<T> => {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(toRpcError(err));
    }
  };
  return {
    getCABundle: () => attempt(() => ({ caCertPem: deps.caCertPem, crlDer: deps.certs.crlDer() })),
    submitCSR: (req) =>
      attempt(() => {
        const r = deps.certs.submitCsr(req.csrPem, req.token || undefined);
        return { state: wireState[r.state], certname: r.certname, certPem: r.certPem ?? "", message: r.message };
      }),
    getCertificate: (req) =>
      attempt(() => {
        const r = deps.certs.getCertificate(req.certname, req.publicKeySha256);
        return { state: wireState[r.state], certPem: r.certPem ?? "", message: r.message };
      }),
  };
}
