// The agent-facing gRPC endpoint: one TLS port serving both the bootstrap
// service (no client certificate yet) and the agent service (client
// certificate checked per call, see peer.ts). TLS is terminated by
// listener.ts, which bounds handshakes and connections per address; grpc-js
// gets the finished connections and bounds messages and idle sessions.
import * as grpc from "@grpc/grpc-js";
import { AgentService } from "../../proto/gen/ancla/v1/agent_pb.js";
import { BootstrapService } from "../../proto/gen/ancla/v1/bootstrap_pb.js";
import { addService } from "../../proto/grpc.js";
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from "../net/connections.js";
import { agentHandlers, type AgentServiceDeps } from "./agent-service.js";
import { bootstrapHandlers, type BootstrapDeps } from "./bootstrap-service.js";
import { reportingInternalErrors, type InternalErrorSink } from "./status.js";
import { listenTls } from "./listener.js";

export interface GrpcEndpointOptions {
  address: string;
  caCertPem: string;
  tlsCertPem: string;
  tlsKeyPem: string;
  agent: Omit<AgentServiceDeps, "peerCertificate">;
  bootstrap: BootstrapDeps;
  /** Told of every call the server failed itself, to log and count it. */
  onInternalError: InternalErrorSink;
  connections?: ConnectionLimits;
  /** Largest request message grpc-js accepts (RESOURCE_EXHAUSTED above it). */
  maxMessageBytes?: number;
}

export interface GrpcEndpoint {
  /** host:port actually bound (port 0 resolved). */
  address: string;
  /** The TLS certificate new connections get (a renewal, without a restart). */
  setCertificate(certPem: string, keyPem: string): void;
  /** Stops accepting calls and waits up to `graceMs` for running ones before cutting them. */
  shutdown(graceMs: number): Promise<void>;
}

/**
 * 16 MiB: a report of the largest allowed size (20,000 events with their
 * diffs) fits; grpc-js checks it before decoding, so a larger message costs
 * the server nothing but the bytes read. grpc-js applies it to every service
 * on the server (both share the port).
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * The server side of keepalive and idle: a silent session is closed, a dead peer found by ping.
 * grpc-js counts a session with a call in flight as busy, so an open Watch stream keeps its
 * connection however quiet it is; the hub's heartbeats keep the network in between from dropping it.
 */
function serverOptions(limits: ConnectionLimits, maxMessageBytes: number): grpc.ServerOptions {
  return {
    "grpc.max_receive_message_length": maxMessageBytes,
    "grpc.max_connection_idle_ms": limits.idleTimeoutMs,
    "grpc.keepalive_time_ms": 60_000,
    "grpc.keepalive_timeout_ms": 20_000,
  };
}

function splitAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(":");
  return { host: address.slice(0, i).replace(/^\[(.*)\]$/, "$1"), port: Number(address.slice(i + 1)) };
}

export async function startGrpcEndpoint(opts: GrpcEndpointOptions): Promise<GrpcEndpoint> {
  const limits = opts.connections ?? DEFAULT_CONNECTION_LIMITS;
  const server = new grpc.Server(serverOptions(limits, opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES));
  // The connections arrive already decrypted by listener.ts, so grpc-js itself needs no credentials.
  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const { host, port } = splitAddress(opts.address);
  const listener = await listenTls({
    host,
    port,
    caCertPem: opts.caCertPem,
    tlsCertPem: opts.tlsCertPem,
    tlsKeyPem: opts.tlsKeyPem,
    limits,
    onConnection: (socket) => injector.injectConnection(socket),
  });
  addService(server, AgentService, reportingInternalErrors(AgentService, agentHandlers({ ...opts.agent, peerCertificate: (call) => listener.peerCertificate(call.getPeer()) }), opts.onInternalError));
  addService(server, BootstrapService, reportingInternalErrors(BootstrapService, bootstrapHandlers(opts.bootstrap), opts.onInternalError));
  const bound = opts.address.slice(0, opts.address.lastIndexOf(":"));
  return {
    address: `${bound}:${listener.port}`,
    setCertificate: (certPem, keyPem) => listener.setCertificate(certPem, keyPem),
    shutdown: async (graceMs) => {
      // Watch streams never end by themselves: without this, tryShutdown would wait out the whole grace time.
      opts.agent.watch.close();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      await listener.close();
    },
  };
}
