// Typed module parameters: every type (nested too), optional and default, and
// the precedence module default < data hierarchy < classification rule.
import t from "tap";
import { compileFiles, expectOk, site } from "./_helpers.js";

const all = `params:
  s:    { type: string }
  i:    { type: int }
  n:    { type: number }
  b:    { type: bool }
  e:    { type: enum, values: [low, high] }
  l:    { type: list, of: int }
  m:    { type: map, of: { type: list, of: string } }
  opt:  { type: string, optional: true }
  d:    { type: int, default: 7 }
resources:
  - type: file
    title: /srv/params
    content: "p=\${params}"
`;

t.test("every type, nested lists and maps, optional and default", async (t) => {
  const nodes = `nodes:
  - match: "*"
    modules: [base]
    params:
      base: { s: x, i: 3, n: 2.5, b: true, e: high, l: [1, 2], m: { a: [x, y], b: [] } }
`;
  const { body } = expectOk(t, await compileFiles(t, site({ base: all }, nodes)));
  t.same(JSON.parse((body.resources[0].properties.content as string).slice(2)), { s: "x", i: 3, n: 2.5, b: true, e: "high", l: [1, 2], m: { a: ["x", "y"], b: [] }, opt: null, d: 7 });
});

t.test("an int parameter is a CEL int, a number parameter a CEL double", async (t) => {
  const base = `params:
  i: { type: int, default: 3 }
  n: { type: number, default: 2 }
resources:
  - type: file
    title: /srv/x
    content: "\${params.i / 2} \${params.n / 4.0}"
`;
  const { body } = expectOk(t, await compileFiles(t, site({ base })));
  t.equal(body.resources[0].properties.content, "1 0.5");
});

t.test("precedence: default < data hierarchy < classification rule", async (t) => {
  const base = `params:
  a: { type: string, default: from-default }
  b: { type: string, default: from-default }
  c: { type: string, default: from-default }
resources:
  - type: file
    title: /srv/x
    content: "\${params.a} \${params.b} \${params.c}"
`;
  const files = {
    ...site({ base }, 'nodes:\n  - match: "*"\n    modules: [base]\n    params: { base: { c: from-rule } }\n'),
    data: { "common.yaml": "base.b: from-data\nbase.c: from-data\n" },
  };
  const { body } = expectOk(t, await compileFiles(t, files));
  t.equal(body.resources[0].properties.content, "from-default from-data from-rule");
});

t.test("parameter values may interpolate node and facts", async (t) => {
  const base = `params:
  host: { type: string, default: "\${node.name}.\${facts.domain}" }
  cpus: { type: int, default: "\${facts.cpu.count}" }
resources:
  - type: file
    title: /srv/x
    content: "\${params.host} \${params.cpus + 1}"
`;
  const { body } = expectOk(t, await compileFiles(t, site({ base }), "web-01", { domain: "example.com", cpu: { count: 4 } }));
  t.equal(body.resources[0].properties.content, "web-01.example.com 5");
});
