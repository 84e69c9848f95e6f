// Connections to the server: the bootstrap service (server TLS, CA pinned by
// fingerprint) and the agent service (mutual TLS with the agent's certificate).
import * as grpc from "@grpc/grpc-js";
import { readFileSync } from "node:fs";
import { AgentService } from "../proto/gen/ancla/v1/agent_pb.js";
import { BootstrapService } from "../proto/gen/ancla/v1/bootstrap_pb.js";
import { makeClient, type ServiceClient } from "../proto/grpc.js";
import { AnclaError, errorCatalog, type AnclaErrorCode } from "../proto/errors.js";
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
  if (isUnreachable(err)) return new AnclaError("ANCLA_E_SERVER_UNREACHABLE", `${server}: ${(err as grpc.ServiceError).details || "unavailable"}`);
  const e = err as grpc.ServiceError;
  if (typeof e.code !== "number") return err as Error;
  // The server puts its stable code first in the details; keep it when it is one we know.
  const m = /^(ANCLA_E_[A-Z_]+): (.*)$/s.exec(e.details ?? "");
  if (m && m[1] in errorCatalog) return new AnclaError(m[1] as AnclaErrorCode, m[2]);
  return new AnclaError(codeForStatus(e.code), e.details || e.message);
}

function codeForStatus(code: grpc.status) {
  switch (code) {
    case grpc.status.PERMISSION_DENIED:
      return "ANCLA_E_PERMISSION_DENIED" as const;
    case grpc.status.UNAUTHENTICATED:
      return "ANCLA_E_UNAUTHENTICATED" as const;
    case grpc.status.INVALID_ARGUMENT:
      return "ANCLA_E_INVALID_ARGUMENT" as const;
    case grpc.status.FAILED_PRECONDITION:
      return "ANCLA_E_COMPILE" as const;
    case grpc.status.NOT_FOUND:
      return "ANCLA_E_NOT_FOUND" as const;
    default:
      return "ANCLA_E_SERVER_UNREACHABLE" as const;
  }
}
