// The data hierarchy: ancla.yaml paths interpolated per node, most specific
// first, first file with the key wins; a level that cannot be evaluated (a
// missing fact) or a file that does not exist is skipped.
import t from "tap";
import { compileFiles, expectOk, site } from "./_helpers.js";

const base = `params:
  motd: { type: string }
  port: { type: int, default: 1 }
resources:
  - type: file
    title: /etc/motd
    content: "\${params.motd} \${params.port} \${data['base.motd']}"
`;

const files = {
  ...site({ base }),
  "ancla.yaml": 'hierarchy: ["nodes/${node.name}.yaml", "os/${facts.os.family}.yaml", "common.yaml"]\n',
  data: {
    nodes: { "web-01.yaml": "base.motd: node\n" },
    os: { "debian.yaml": "base.motd: debian\nbase.port: 22\n" },
    "common.yaml": "base.motd: common\nbase.port: 2\n",
  },
};

t.test("the most specific file with the key wins, key by key", async (t) => {
  const content = async (certname: string, facts: object): Promise<unknown> => expectOk(t, await compileFiles(t, files, certname, facts as never)).body.resources[0].properties.content;
  t.equal(await content("web-01", { os: { family: "debian" } }), "node 22 node");
  t.equal(await content("web-02", { os: { family: "debian" } }), "debian 22 debian");
  t.equal(await content("web-02", { os: { family: "redhat" } }), "common 2 common");
});

t.test("a level whose expression fails (no such fact) is skipped, like Hiera", async (t) => {
  const { body } = expectOk(t, await compileFiles(t, files, "web-02", {}));
  t.equal(body.resources[0].properties.content, "common 2 common");
});

t.test("without ancla.yaml the hierarchy is data/common.yaml", async (t) => {
  const { body } = expectOk(t, await compileFiles(t, { ...site({ base }), data: { "common.yaml": "base.motd: hi\n" } }));
  t.equal(body.resources[0].properties.content, "hi 1 hi");
});
