// A real server in this process (ancla-server init + start: gRPC over mTLS
// and the HTTPS API on loopback) with simulated agents that report through
// the real ReportRun path.
import type * as grpc from "@grpc/grpc-js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { JsonObject } from "@bufbuild/protobuf";
import { enrollSimAgents, type SimAgent } from "../../bench/sim-agents.js";
import { initDataDir } from "../../server/cli/init.js";
import { startServer, type StartOptions } from "../../server/cli/start.js";
import { dataDirPaths } from "../../server/datadir.js";
import { writeFilesSite } from "../helpers/fleet.js";
import { call, tempDir, type RawResponse, type Teardown } from "./_helpers.js";

export interface RealServer {
  url: string;
  grpc: string;
  dataDir: string;
  /** The site the server compiles (writeFilesSite's, 3 files); tests may rewrite it. */
  site: string;
  ca: { certPem: string; keyPem: string };
  adminToken: string;
  /** An API request as admin (or with `token`). */
  api(method: string, path: string, opts?: { token?: string; body?: string }): Promise<RawResponse>;
  /** Enrols simulated agents (real CSRs, real certificates) that talk mTLS gRPC to this server. */
  agents(certnames: string[]): Promise<SimAgent[]>;
}

export async function startRealServer(t: Teardown, opts: Partial<Omit<StartOptions, "dataDir">> = {}): Promise<RealServer> {
  process.env.ANCLA_LOG_LEVEL ??= "warn";
  const dir = tempDir(t);
  const site = join(dir, "site");
  writeFilesSite(site, join(dir, "managed"), 3);
  const dataDir = join(dir, "server");
  const { adminToken } = await initDataDir({ dataDir, site, hostname: "localhost" });
  const server = await startServer({ dataDir, grpc: "127.0.0.1:0", http: "127.0.0.1:0", ...opts });
  t.teardown(() => server.stop());
  const paths = dataDirPaths(dataDir);
  const ca = { certPem: readFileSync(paths.caCert, "utf8"), keyPem: readFileSync(paths.caKey, "utf8") };
  const url = server.runtime.url;
  const self: RealServer = {
    url,
    grpc: `localhost:${server.runtime.grpc.split(":").pop()}`,
    dataDir,
    site,
    ca,
    adminToken,
    api: (method, path, o = {}) => call({ url, ca }, method, path, { token: o.token ?? adminToken, body: o.body }),
    async agents(certnames) {
      const res = await self.api("POST", "/api/v1/tokens", { body: JSON.stringify({ one_time: false }) });
      if (res.status !== 201) throw new Error(`token: ${JSON.stringify(res.body)}`);
      const agents = await enrollSimAgents(self.grpc, ca.certPem, (res.body as { token: string }).token, certnames);
      t.teardown(() => {
        for (const a of agents) a.close();
      });
      return agents;
    },
  };
  return self;
}

/** The status a gRPC call was refused with; the test fails when the call is accepted. */
export async function refusal(call: Promise<unknown>): Promise<grpc.ServiceError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e as grpc.ServiceError,
  );
  if (!err) throw new Error("the call was accepted");
  return err;
}

export const debianFacts = (extra: JsonObject = {}): JsonObject => ({ os: { family: "debian", release: "12" }, kernel: "6.1.0", ...extra });
