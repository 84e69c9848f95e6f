// Connections to the server: the bootstrap service (server TLS, CA pinned by
// fingerprint) and the agent service (mutual TLS with the agent's certificate).
import * as grpc from "@grpc/grpc-js";
import { readFileSync } from "node:fs";
import { AgentService } from "../proto/gen/ancla/v1/agent_pb.js";
import { BootstrapService } from "../proto/gen/ancla/v1/bootstrap_pb.js";
import { makeClient, type ServiceClient } from "../proto/grpc.js";
import { AnclaError, codeForGrpcStatus, isAnclaErrorCode, type GrpcStatusName } from "../proto/errors.js";
import { fingerprintMatches } from "../pki/fingerprint.js";
import type { StateLayout } from "./state/layout.js";

export type AgentClient = ServiceClient<typeof AgentService>;
export type BootstrapClient = ServiceClient<typeof BootstrapService>;

/** Calls fail fast instead of waiting for a server that is away. */
const CHANNEL_OPTIONS: grpc.ChannelOptions = { "grpc.initial_reconnect_backoff_ms": 500, "grpc.max_reconnect_backoff_ms": 2000 };

export function agentClient(server: string, layout: StateLayout): AgentClient {
  let creds: grpc.ChannelCredentials;
  try {
    creds = grpc.credentials.createSsl(readFileSync(layout.caCert), readFileSync(layout.agentKey), readFileSync(layout.agentCert));
  } catch (err) {
    throw new AnclaError("ANCLA_E_NOT_BOOTSTRAPPED", `cannot read the agent's certificate in ${layout.certsDir}: ${(err as Error).message}`);
  }
  return makeClient(AgentService, server, creds, CHANNEL_OPTIONS);
}

/** A bootstrap client that trusts only `caCertPem`. */
export function pinnedBootstrapClient(server: string, caCertPem: string): BootstrapClient {
  return makeClient(BootstrapService, server, grpc.credentials.createSsl(Buffer.from(caCertPem)), CHANNEL_OPTIONS);
}

/**
 * Fetches the CA bundle over a connection that does not verify the server yet
 * (we have nothing to verify it with) and accepts it only when its SHA-256
 * fingerprint equals the pin. Nothing secret is sent on this connection.
 */
export async function fetchPinnedCa(server: string, pinnedFingerprint: string, timeoutMs: number): Promise<{ caCertPem: string; crlDer: Uint8Array }> {
  const client = makeClient(BootstrapService, server, grpc.credentials.createSsl(null, null, null, { rejectUnauthorized: false }), CHANNEL_OPTIONS);
  try {
    const bundle = await client.getCABundle({}, { timeoutMs });
    if (!fingerprintMatches(bundle.caCertPem, pinnedFingerprint)) {
      throw new AnclaError("ANCLA_E_CA_PIN_MISMATCH", `the CA served by ${server} has another fingerprint than ${pinnedFingerprint}`);
    }
    return { caCertPem: bundle.caCertPem, crlDer: bundle.crlDer };
  } catch (err) {
    throw asTransportError(err, server);
  } finally {
    client.close();
  }
}

/** gRPC status codes that mean "the server is away", as opposed to "the server said no". */
export function isUnreachable(err: unknown): boolean {
  const code = (err as { code?: number }).code;
  return code === grpc.status.UNAVAILABLE || code === grpc.status.DEADLINE_EXCEEDED;
}

/** Turns a gRPC failure into an AnclaError with one clear line. */
export function asTransportError(err: unknown, server: string): Error {
  if (err instanceof AnclaError) return err;
  const e = err as grpc.ServiceError;
  if (typeof e.code !== "number") return err as Error;
  const details = e.details || e.message;
  const tls = tlsProblem(details, server);
  if (tls) return tls;
  if (isUnreachable(err)) return new AnclaError("ANCLA_E_SERVER_UNREACHABLE", `${server}: ${details || "unavailable"}`);
  // The server puts its stable code first in the details; keep it when it is one we know.
  const m = /^(ANCLA_E_[A-Z_]+): (.*)$/s.exec(details);
  const named = m && isAnclaErrorCode(m[1]) ? m[1] : undefined;
  const code = named ?? codeForGrpcStatus(grpc.status[e.code] as GrpcStatusName) ?? "ANCLA_E_INTERNAL";
  const message = named ? m![2] : details;
  // A server that fails is not a server that is away: say so, so nobody chases the network.
  return new AnclaError(code, code === "ANCLA_E_INTERNAL" ? `the server failed: ${server}: ${message}` : message);
}

/**
 * TLS failures grpc-js reports as "unavailable" that are no network problem:
 * a certificate outside its validity by this host's clock (most often the
 * clock is wrong), or a server certificate for another name than --server.
 */
function tlsProblem(details: string, server: string): AnclaError | undefined {
  const now = new Date().toISOString();
  if (/certificate is not yet valid|CERT_NOT_YET_VALID/.test(details)) {
    return new AnclaError("ANCLA_E_CLOCK_SKEW", `clock skew? the server's certificate is not valid yet by this host's clock (${now}); ${server}: ${details}`);
  }
  if (/certificate has expired|CERT_HAS_EXPIRED/.test(details)) {
    return new AnclaError("ANCLA_E_CLOCK_SKEW", `clock skew? the server's certificate has expired by this host's clock (${now}); ${server}: ${details}`);
  }
  if (/ERR_TLS_CERT_ALTNAME_INVALID|does not match certificate's altnames/.test(details)) {
    return new AnclaError("ANCLA_E_TLS_NAME_MISMATCH", `the server's certificate is not for the name in ${server}: ${details}`);
  }
  return undefined;
}
