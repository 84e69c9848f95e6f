// Simulated agents for benchmarks and API tests: each has its own key and a
// certificate from the server's CA (through the real bootstrap service), and
// speaks the real agent service over mutual TLS — the path a real agent's
// check-ins and reports take, without converging a host.
import * as grpc from "@grpc/grpc-js";
import { create, type JsonObject, type MessageInitShape } from "@bufbuild/protobuf";
import { createCsr } from "../pki/csr.js";
import { generateKeyPair } from "../pki/keys.js";
import { AgentService, ReportSchema } from "../proto/gen/ancla/v1/agent_pb.js";
import { BootstrapService } from "../proto/gen/ancla/v1/bootstrap_pb.js";
import { makeClient, type ServiceClient } from "../proto/grpc.js";

export interface SimAgent {
  certname: string;
  client: ServiceClient<typeof AgentService>;
  /** ReportRun with this agent's certname filled in; resolves with the server's `stored`. */
  report(init: MessageInitShape<typeof ReportSchema>, facts?: JsonObject): Promise<boolean>;
  close(): void;
}

/**
 * Enrols `certnames` with a bootstrap token (reusable, or one per agent) and
 * opens an mTLS channel for each. `grpcAddress` must name the server as its
 * certificate does (localhost:PORT on loopback).
 */
export async function enrollSimAgents(grpcAddress: string, caPem: string, token: string, certnames: string[]): Promise<SimAgent[]> {
  const boot = makeClient(BootstrapService, grpcAddress, grpc.credentials.createSsl(Buffer.from(caPem)));
  try {
    const agents: SimAgent[] = [];
    for (const certname of certnames) {
      const keys = generateKeyPair();
      const answer = await boot.submitCSR({ csrPem: createCsr(keys.privateKeyPem, certname), token });
      if (!answer.certPem) throw new Error(`enrolment of ${certname} failed: ${answer.message}`);
      const client = makeClient(AgentService, grpcAddress, grpc.credentials.createSsl(Buffer.from(caPem), Buffer.from(keys.privateKeyPem), Buffer.from(answer.certPem)));
      agents.push({
        certname,
        client,
        report: async (init, facts) => (await client.reportRun({ report: create(ReportSchema, { ...init, certname }), facts })).stored,
        close: () => client.close(),
      });
    }
    return agents;
  } finally {
    boot.close();
  }
}
