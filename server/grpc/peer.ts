// Who is calling: the certname comes from the verified peer certificate only,
// never from a request field. The TLS layer asks for a client certificate but
// does not reject the handshake without one (the bootstrap service shares the
// port), so every agent RPC checks the chain, validity and revocation here.
import type { ServerUnaryCall } from "@grpc/grpc-js";
import { verifyCertificate } from "../../pki/verify.js";
import { rpcFail } from "./status.js";

export interface PeerIdentity {
  certname: string;
  serialHex: string;
}

export interface PeerTrust {
  caCertPem: string;
  isRevoked(serialHex: string): boolean;
}

/** Any call shape that exposes the TLS peer (unary and streaming calls both do). */
export type CallWithPeer = Pick<ServerUnaryCall<unknown, unknown>, "getAuthContext">;

export function authenticatePeer(call: CallWithPeer, trust: PeerTrust): PeerIdentity {
  const raw = call.getAuthContext().sslPeerCertificate?.raw;
  if (!raw) return rpcFail("ANCLA_E_UNAUTHENTICATED", "this service needs a client certificate; bootstrap the agent first");
  let cert;
  try {
    cert = verifyCertificate(raw, trust.caCertPem, { usage: "client" });
  } catch (err) {
    return rpcFail("ANCLA_E_UNAUTHENTICATED", `client certificate refused: ${(err as Error).message}`);
  }
  if (trust.isRevoked(cert.serialHex)) return rpcFail("ANCLA_E_CERT_REVOKED", `certificate of ${cert.commonName} (serial ${cert.serialHex}) is revoked`);
  return { certname: cert.commonName, serialHex: cert.serialHex };
}
