// Every call the server fails itself reaches the endpoint's sink with its
// cause (to be logged and counted), unary and streaming alike, while the
// caller gets INTERNAL with the catalog's line and no internals.
import t from "tap";
import * as grpc from "@grpc/grpc-js";
import { createCertificateAuthority, issueCertificate, randomSerialHex } from "../../pki/ca.js";
import { generateKeyPair } from "../../pki/keys.js";
import { AgentService } from "../../proto/gen/ancla/v1/agent_pb.js";
import { AnclaError } from "../../core/errors.js";
import { addService, makeClient, type ServiceHandlers } from "../../proto/grpc.js";
import { reportingInternalErrors, rpcFail } from "../../server/grpc/status.js";

const ca = createCertificateAuthority("Ancla Test CA", 30);
const LINE = "ANCLA_E_INTERNAL: the server failed to handle the request; see its log";

t.test("INTERNAL answers are reported with their cause; refusals are not", async (t) => {
  const reported: [string, string][] = [];
  const handlers = {
    getCatalog: async () => {
      throw new Error("database or disk is full");
    },
    reportRun: async () => rpcFail("ANCLA_E_INVALID_ARGUMENT", "ReportRun needs a report"),
    renewCertificate: async () => {
      throw new AnclaError("ANCLA_E_IO", "cannot write /var/lib/ancla-server/x");
    },
    fetchContent: async function* () {
      yield { offset: 0n, data: new Uint8Array([1]) };
      throw new Error("EIO: read failed");
    },
  } as unknown as ServiceHandlers<typeof AgentService>;
  const keys = generateKeyPair();
  const cert = issueCertificate(ca, { commonName: "localhost", publicKeyPem: keys.publicKeyPem, usage: "server", serialHex: randomSerialHex(), validityDays: 7 });
  const server = new grpc.Server();
  addService(
    server,
    AgentService,
    reportingInternalErrors(AgentService, handlers, (rpc, reason) => reported.push([rpc, (reason as Error).message])),
  );
  const creds = grpc.ServerCredentials.createSsl(Buffer.from(ca.certPem), [{ cert_chain: Buffer.from(cert), private_key: Buffer.from(keys.privateKeyPem) }], false);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", creds, (err, p) => (err ? reject(err) : resolve(p))));
  t.teardown(() => server.forceShutdown());
  const client = makeClient(AgentService, `localhost:${port}`, grpc.credentials.createSsl(Buffer.from(ca.certPem)));
  t.teardown(() => client.close());

  await t.rejects(client.getCatalog({}), { code: grpc.status.INTERNAL, details: LINE });
  await t.rejects(client.renewCertificate({}), { code: grpc.status.INTERNAL, details: LINE }, "a code that is no refusal is the server's failure too");
  await t.rejects(client.reportRun({}), { code: grpc.status.INVALID_ARGUMENT });
  const stream = async () => {
    for await (const _chunk of client.fetchContent({})) void _chunk;
  };
  await t.rejects(stream(), { code: grpc.status.INTERNAL, details: LINE }, "a stream failing midway leaks nothing either");
  t.same(reported, [
    ["AgentService/GetCatalog", "database or disk is full"],
    ["AgentService/RenewCertificate", "cannot write /var/lib/ancla-server/x"],
    ["AgentService/FetchContent", "EIO: read failed"],
  ]);
});
