// Two checks that no other test would miss if they were removed (issue 17,
// item 12): a node may fetch only content its own catalog names, even when
// that content is stored on the server for another node; and a catalog that
// arrives from the server (not the cache) with an older serial than the agent
// has accepted is refused before anything changes.
import t from "tap";
import * as grpc from "@grpc/grpc-js";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AgentService } from "../../proto/gen/ancla/v1/agent_pb.js";
import { makeClient } from "../../proto/grpc.js";
import { enroll, parseReport, startFleet, type Agent, type ReportJson } from "../helpers/fleet.js";
import { workDir } from "../helpers/processes.js";

// Over the 16 KiB the compiler inlines, so the catalog names it by digest and the agent fetches it.
const BIG = `${"# web-01 only\n".repeat(2000)}`;

function writeSite(site: string, root: string, smallContent: string): void {
  mkdirSync(join(site, "modules/big/files"), { recursive: true });
  mkdirSync(join(site, "modules/small"), { recursive: true });
  writeFileSync(join(site, "nodes.yaml"), 'nodes:\n  - match: "web-01"\n    modules: [big]\n  - match: "web-02"\n    modules: [small]\n');
  writeFileSync(join(site, "modules/big/files/big.conf"), BIG);
  writeFileSync(join(site, "modules/big/module.yaml"), `resources:\n  - type: file\n    title: "${root}/big.conf"\n    source: files/big.conf\n`);
  writeFileSync(join(site, "modules/small/module.yaml"), `resources:\n  - type: file\n    title: "${root}/small.conf"\n    content: "${smallContent}\\n"\n`);
}

function clientFor(agent: Agent, grpcAddress: string) {
  const cert = (name: string) => readFileSync(join(agent.stateDir, "certs", name));
  return makeClient(AgentService, grpcAddress, grpc.credentials.createSsl(cert("ca.crt"), cert("agent.key"), cert("agent.crt")));
}

async function fetchAll(client: ReturnType<typeof clientFor>, sha256: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of client.fetchContent({ sha256 })) parts.push(Buffer.from(chunk.data));
  return Buffer.concat(parts);
}

const codes = (r: ReportJson): string[] => (r.logs ?? []).flatMap((l) => (l.code ? [l.code] : []));

t.test("content and freshness guards hold against a real server", async (t) => {
  const base = workDir(t, { site: {}, managed: {} });
  const site = join(base, "site");
  const root = join(base, "managed");
  writeSite(site, root, "v1");
  const fleet = await startFleet(base, site);
  t.teardown(() => fleet.stop());
  const web1 = await enroll(fleet, base, "web-01");
  const web2 = await enroll(fleet, base, "web-02");
  t.equal((await web1.run()).code, 2, "web-01 converged (it fetched the big file)");
  t.equal((await web2.run()).code, 2, "web-02 converged");
  t.equal(readFileSync(join(root, "big.conf"), "utf8"), BIG);
  const digest = createHash("sha256").update(BIG).digest("hex");

  await t.test("content stored for another node is not served to this one", async (t) => {
    const own = clientFor(web1, fleet.server.grpc);
    const other = clientFor(web2, fleet.server.grpc);
    t.teardown(() => {
      own.close();
      other.close();
    });
    t.equal((await fetchAll(own, digest)).toString("utf8"), BIG, "the server holds it and serves it to the node whose catalog names it");
    await t.rejects(fetchAll(other, digest), { code: grpc.status.NOT_FOUND, details: /in the catalog of web-02/ }, "and refuses it to a node whose catalog does not");
  });

  await t.test("a catalog from the server older than the held serial is refused, nothing applied", async (t) => {
    // As if web-02 had accepted a much newer catalog before (a server restored
    // from an old backup, or a replay): the serial it remembers is ahead.
    const memoryFile = join(web2.stateDir, "memory.json");
    const memory = JSON.parse(readFileSync(memoryFile, "utf8")) as { serial: number };
    writeFileSync(memoryFile, JSON.stringify({ ...memory, serial: memory.serial + 1000 }));
    writeSite(site, root, "v2");
    const run = await web2.run();
    const report = parseReport(run.stdout);
    t.ok(codes(report).includes("ANCLA_E_CATALOG_STALE"), `the report says why (${codes(report).join(", ")})`);
    t.not(report.catalogSource, "server", "the server's catalog was not applied");
    t.equal(readFileSync(join(root, "small.conf"), "utf8"), "v1\n", "the v2 content never reached the host");
  });
});
