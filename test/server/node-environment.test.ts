// A node's environment (nodes.yaml `environment:`) is recorded at each
// successful compile and shown by the API (node and list, which filters by
// it) and `ancla node show`; a node not compiled yet has none.
import t from "tap";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { debianFacts, startRealServer } from "./_server.js";

interface NodeJson {
  certname: string;
  environment: string | null;
}

t.test("the environment of a node's last compile is on the node, and the list filters by it", async (t) => {
  const server = await startRealServer(t);
  const [web, db] = await server.agents(["web-01", "db-01"]);
  await web.client.getCatalog({ facts: debianFacts(), haveDigest: "" });
  t.match((await server.api("GET", "/api/v1/nodes/web-01")).body, { environment: "production" }, "production when no rule names one");

  writeFileSync(join(server.site, "nodes.yaml"), 'nodes:\n  - match: "*"\n    modules: [files]\n  - match: "db-*"\n    environment: staging\n');
  await db.client.getCatalog({ facts: debianFacts(), haveDigest: "" });
  await web.client.getCatalog({ facts: debianFacts(), haveDigest: "" });
  const staging = (await server.api("GET", "/api/v1/nodes?environment=staging")).body as { nodes: NodeJson[] };
  t.same(
    staging.nodes.map((n) => [n.certname, n.environment]),
    [["db-01", "staging"]],
  );
  const all = (await server.api("GET", "/api/v1/nodes")).body as { nodes: NodeJson[] };
  t.same(
    all.nodes.map((n) => [n.certname, n.environment]),
    [
      ["db-01", "staging"],
      ["web-01", "production"],
    ],
  );
  const bad = await server.api("GET", "/api/v1/nodes?environment=No_Such");
  t.equal(bad.status, 400, "a name that cannot be an environment is a bad request");
});
