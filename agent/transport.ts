// Connections to the server: the bootstrap service (server TLS, CA pinned by
// fingerprint) and the agent service (mutual TLS with the agent's certificate).
import * as grpc from "@grpc/grpc-js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { connect as tlsConnect, type PeerCertificate } from "node:tls";
import { AgentService, type ReportHealthRequestSchema } from "../proto/gen/ancla/v1/agent_pb.js";
import { BootstrapService } from "../proto/gen/ancla/v1/bootstrap_pb.js";
import { makeClient, type ServiceClient } from "../proto/grpc.js";
import { AnclaError, codeForGrpcStatus, isAnclaError, isAnclaErrorCode, type GrpcStatusName } from "../core/errors.js";
import { fingerprintMatches } from "../pki/fingerprint.js";
import { subjectAltNames } from "../pki/subject-names.js";
import type { StateLayout } from "./state/layout.js";

export type AgentClient = ServiceClient<typeof AgentService>;
export type BootstrapClient = ServiceClient<typeof BootstrapService>;

/**
 * Calls fail fast instead of waiting for a server that is away. Our server
 * publishes no gRPC service config in DNS, so the resolver's TXT query for one
 * (a DNS round trip on every run, slow where DNS is) is not made.
 */
const CHANNEL_OPTIONS: grpc.ChannelOptions = { "grpc.initial_reconnect_backoff_ms": 500, "grpc.max_reconnect_backoff_ms": 2000, "grpc.service_config_disable_resolution": 1 };

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
  // Only a connection that never got going is a TLS problem; an answer quoting a certificate's dates is the server's word.
  const tls = isUnreachable(err) ? tlsProblem(details, server) : undefined;
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
 * asTransportError, and for a TLS failure about the server's certificate the
 * certificate's own story: its validity next to this host's time, or the names
 * it is for. grpc-js's error says neither, so the certificate is read again
 * over a TLS connection that does not verify it (nothing is sent on it).
 */
export async function explainTransportError(err: unknown, server: string): Promise<Error> {
  const plain = asTransportError(err, server);
  if (!isAnclaError(plain, "ANCLA_E_CLOCK_SKEW") && !isAnclaError(plain, "ANCLA_E_TLS_NAME_MISMATCH")) return plain;
  const cert = await presentedCertificate(server);
  return (cert && tlsProblem((err as grpc.ServiceError).details ?? "", server, cert)) ?? plain;
}

/**
 * TLS failures grpc-js reports as "unavailable" that are no network problem:
 * a certificate outside its validity by this host's clock (most often the
 * clock is wrong), or a server certificate for another name than --server.
 */
function tlsProblem(details: string, server: string, cert?: PeerCertificate): AnclaError | undefined {
  const now = new Date().toISOString();
  const validity = cert ? `the certificate of ${server} is valid from ${isoDate(cert.valid_from)} to ${isoDate(cert.valid_to)}` : `the certificate of ${server} is not valid at that time`;
  if (/certificate is not yet valid|CERT_NOT_YET_VALID|certificate has expired|CERT_HAS_EXPIRED/.test(details)) {
    return new AnclaError("ANCLA_E_CLOCK_SKEW", `clock skew: this host's time is ${now}, but ${validity} (${tlsCause(details)})`);
  }
  if (/ERR_TLS_CERT_ALTNAME_INVALID|does not match certificate's altnames/.test(details)) {
    const host = hostOf(server);
    const names = subjectAltNames(cert);
    const forWhat = names.length ? `is for ${names.join(", ")}, not ${host}` : `is not for ${host}`;
    return new AnclaError("ANCLA_E_TLS_NAME_MISMATCH", `the certificate of ${server} ${forWhat} (${tlsCause(details)})`);
  }
  return undefined;
}

/** Node's TLS message out of grpc-js's "No connection established. Last error: Error: … Resolution note: …". */
function tlsCause(details: string): string {
  return /Error(?: \[[A-Z_]+\])?: ([^.]+)/.exec(details)?.[1] ?? details;
}

function isoDate(openssl: string): string {
  return new Date(openssl).toISOString();
}

/** The certificate the server at host:port presents, unverified; undefined when it cannot be had. */
function presentedCertificate(server: string): Promise<PeerCertificate | undefined> {
  const host = hostOf(server);
  return new Promise((resolve) => {
    const socket = tlsConnect({ host, port: Number(server.slice(server.lastIndexOf(":") + 1)), servername: isIP(host) ? undefined : host, rejectUnauthorized: false, ALPNProtocols: ["h2"] }, () => {
      const cert = socket.getPeerCertificate();
      socket.destroy();
      resolve(cert?.valid_from ? cert : undefined);
    });
    socket.setTimeout(PROBE_TIMEOUT_MS, () => socket.destroy());
    socket.on("error", () => resolve(undefined));
    socket.on("close", () => resolve(undefined));
  });
}

const PROBE_TIMEOUT_MS = 5000;

/** The host of host:port, without an IPv6 literal's brackets. */
function hostOf(server: string): string {
  return server.slice(0, server.lastIndexOf(":")).replace(/^\[(.*)\]$/, "$1");
}

/**
 * One ReportHealth call on the agent's mTLS channel; answers whether the
 * server stored the batch (false: it had that batch_id already). Failures as
 * asTransportError: ANCLA_E_SERVER_UNREACHABLE when the server is away.
 */
export async function reportHealth(client: AgentClient, server: string, batch: MessageInitShape<typeof ReportHealthRequestSchema>, timeoutMs: number): Promise<boolean> {
  try {
    return (await client.reportHealth(batch, { timeoutMs })).stored;
  } catch (err) {
    throw asTransportError(err, server);
  }
}
