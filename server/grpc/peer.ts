// Who is calling: the certname comes from the verified peer certificate only,
// never from a request field. The TLS layer asks for a client certificate but
// does not reject the handshake without one or with a bad one (the bootstrap
// service shares the port), so every agent RPC checks the chain, validity and
// revocation here, and says which of them failed.
import type { ServerUnaryCall } from "@grpc/grpc-js";
import type { KeyObject } from "node:crypto";
import { verifyCertificate, type VerifiedCertificate } from "../../pki/verify.js";
import { rpcFail } from "./status.js";

export interface PeerIdentity {
  certname: string;
  serialHex: string;
  /** The key of its certificate: what its catalog's secrets are sealed to. */
  publicKey: KeyObject;
}

export interface PeerTrust {
  caCertPem: string;
  isRevoked(serialHex: string): Promise<boolean>;
}

/** Any call shape that names its peer (unary and streaming calls both do). */
export type CallWithPeer = Pick<ServerUnaryCall<unknown, unknown>, "getPeer">;

/**
 * The DER certificate the caller presented in its TLS handshake, verified or
 * not: listener.ts keeps one Buffer per connection, the same for each of its
 * calls, and the verification is cached by that Buffer.
 */
export type PeerCertificateSource = (call: CallWithPeer) => Buffer | undefined;

export type PeerAuthenticator = (call: CallWithPeer) => Promise<PeerIdentity>;

/**
 * Keeps each verified certificate by the DER Buffer listener.ts holds for its
 * connection, so a check-in neither parses and verifies the same certificate
 * again (that was most of an unchanged check-in's CPU) nor re-encodes it to
 * find it. Weak: an entry goes with its connection's Buffer, so the cache is
 * bounded by the open connections. Expiry and revocation are still checked on
 * every call.
 */
export function peerAuthenticator(trust: PeerTrust, peerCertificate: PeerCertificateSource): PeerAuthenticator {
  const verified = new WeakMap<Buffer, VerifiedCertificate>();
  const verifyOnce = (raw: Buffer): VerifiedCertificate => {
    const hit = verified.get(raw);
    if (hit && hit.notAfter.getTime() > Date.now()) return hit;
    const cert = verifyCertificate(raw, trust.caCertPem, { usage: "client" });
    verified.set(raw, cert);
    return cert;
  };
  return async (call) => {
    const raw = peerCertificate(call);
    if (!raw) return rpcFail("ANCLA_E_UNAUTHENTICATED", "this service needs a client certificate; bootstrap the agent first");
    let cert: VerifiedCertificate;
    try {
      cert = verifyOnce(raw);
    } catch (err) {
      // verify.ts names what failed: "certificate refused: it expired at …", "… it was not issued by this CA".
      return rpcFail("ANCLA_E_UNAUTHENTICATED", (err as Error).message);
    }
    if (await trust.isRevoked(cert.serialHex)) return rpcFail("ANCLA_E_CERT_REVOKED", `certificate of ${cert.commonName} (serial ${cert.serialHex}) is revoked`);
    return { certname: cert.commonName, serialHex: cert.serialHex, publicKey: cert.publicKey };
  };
}
