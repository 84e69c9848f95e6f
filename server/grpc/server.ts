// The agent-facing gRPC endpoint: one TLS port serving both the bootstrap
// service (no client certificate yet) and the agent service (client
// certificate checked per call, see peer.ts).
import * as grpc from "@grpc/grpc-js";
import { AgentService } from "../../proto/gen/ancla/v1/agent_pb.js";
import { BootstrapService } from "../../proto/gen/ancla/v1/bootstrap_pb.js";
import { addService } from "../../proto/grpc.js";
import { agentHandlers, type AgentServiceDeps } from "./agent-service.js";
import { bootstrapHandlers, type BootstrapDeps } from "./bootstrap-service.js";
import { reportingInternalErrors, type InternalErrorSink } from "./status.js";

export interface GrpcEndpointOptions {
  address: string;
  caCertPem: string;
  tlsCertPem: string;
  tlsKeyPem: string;
  agent: AgentServiceDeps;
  bootstrap: BootstrapDeps;
  /** Told of every call the server failed itself, to log and count it. */
  onInternalError: InternalErrorSink;
}

export interface GrpcEndpoint {
  /** host:port actually bound (port 0 resolved). */
  address: string;
  /** Stops accepting calls and waits up to `graceMs` for running ones before cutting them. */
  shutdown(graceMs: number): Promise<void>;
}

/**
 * grpc-js's createSsl either rejects a handshake without a client certificate
 * or never asks for one; the certificate-provider credentials can ask without
 * requiring, which is what a shared bootstrap + agent port needs.
 */
function optionalClientCertCredentials(caPem: string, certPem: string, keyPem: string): grpc.ServerCredentials {
  // Updates are delivered on the next tick: grpc-js registers its watcher only
  // after adding these listeners, so a synchronous update would be lost.
  const provider: grpc.experimental.CertificateProvider = {
    addCaCertificateListener: (listener) => setImmediate(() => listener({ caCertificate: Buffer.from(caPem) })),
    removeCaCertificateListener: () => {},
    addIdentityCertificateListener: (listener) => setImmediate(() => listener({ certificate: Buffer.from(certPem), privateKey: Buffer.from(keyPem) })),
    removeIdentityCertificateListener: () => {},
  };
  return grpc.experimental.createCertificateProviderServerCredentials(provider, provider, false);
}

export async function startGrpcEndpoint(opts: GrpcEndpointOptions): Promise<GrpcEndpoint> {
  const server = new grpc.Server({ "grpc.max_receive_message_length": 16 * 1024 * 1024 });
  addService(server, AgentService, reportingInternalErrors(AgentService, agentHandlers(opts.agent), opts.onInternalError));
  addService(server, BootstrapService, reportingInternalErrors(BootstrapService, bootstrapHandlers(opts.bootstrap), opts.onInternalError));
  const creds = optionalClientCertCredentials(opts.caCertPem, opts.tlsCertPem, opts.tlsKeyPem);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(opts.address, creds, (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  const host = opts.address.slice(0, opts.address.lastIndexOf(":"));
  return {
    address: `${host}:${port}`,
    shutdown: (graceMs) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
