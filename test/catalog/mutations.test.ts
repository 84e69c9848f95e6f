// Property: random mutations of a valid site (lines deleted, duplicated or
// corrupted, random scalars) give either a well-formed catalog that compiles
// the same twice, or positioned problems; never an exception or a hang.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import t from "tap";
import { bodyDigest } from "../../catalog/canonical.js";
import { createSiteCompiler } from "../../catalog/site/create-site-compiler.js";

const FILES: { [rel: string]: string } = {
  "ancla.yaml": 'hierarchy: ["nodes/${node.name}.yaml", "os/${facts.os.family}.yaml", "common.yaml"]\n',
  "nodes.yaml": 'nodes:\n  - match: "*"\n    modules: [base]\n  - match: "web-*"\n    when: \'facts.os.family == "debian"\'\n    modules: [web]\n    params: { web: { workers: 4 } }\n',
  "data/common.yaml": "base.motd: hello\nweb.sites: [{ name: a, port: 80 }]\n",
  "modules/base/module.yaml":
    'params:\n  motd: { type: string }\nresources:\n  - type: file\n    title: /etc/motd\n    content: "${params.motd} from ${node.name}\\n"\n    mode: "0644"\n  - type: user\n    title: deploy\n    groups: [adm]\n',
  "modules/web/module.yaml":
    "params:\n  workers: { type: int, default: 2 }\n  sites: { type: list, of: { type: map }, default: [] }\nresources:\n  - type: package\n    title: nginx\n  - type: file\n    title: /etc/nginx/nginx.conf\n    template: nginx.conf.liquid\n    require: [package:nginx]\n    notify: service:nginx\n  - type: file\n    for_each: params.sites\n    title: /etc/nginx/sites/${each.name}\n    content: 'listen ${each.port};'\n  - type: service\n    title: nginx\n    ensure: running\n    when: facts.virtual != \"container\"\n",
  "modules/web/templates/nginx.conf.liquid": "workers {{ params.workers }};\n{% for s in params.sites %}include {{ s.name }};\n{% endfor %}",
};
const FACTS = { os: { family: "debian" }, virtual: "kvm" };
const SCALARS = ["", "~", "[", "]", "{", "}", ":", "- x", "${", "${facts.nope}", "'", '"', "0644", "-1", "1e999", "true", "&a", "*a", "!!binary x", "\t", "{% if %}", "{{ nope }}", "type: exec"];

type Mutation = { file: number; line: number; op: "delete" | "duplicate" | "replace" | "insert" | "truncate"; text: string };

const mutation: fc.Arbitrary<Mutation> = fc.record({
  file: fc.nat(),
  line: fc.nat(),
  op: fc.constantFrom("delete", "duplicate", "replace", "insert", "truncate"),
  text: fc.oneof(fc.constantFrom(...SCALARS), fc.string({ maxLength: 12 })),
});

function mutate(text: string, m: Mutation): string {
  const lines = text.split("\n");
  const i = m.line % lines.length;
  if (m.op === "delete") lines.splice(i, 1);
  if (m.op === "duplicate") lines.splice(i, 0, lines[i]);
  if (m.op === "insert") lines.splice(i, 0, m.text);
  if (m.op === "replace") lines[i] = lines[i].replace(/:\s.*$|\S+$/, (s) => (s.startsWith(":") ? `: ${m.text}` : m.text));
  if (m.op === "truncate") lines[i] = lines[i].slice(0, m.text.length);
  return lines.join("\n");
}

t.test("the unmutated site compiles to a non-empty catalog", async (t) => {
  const dir = t.testdir(nested(FILES));
  const result = await createSiteCompiler(dir).compile("web-01", FACTS);
  t.ok(result.ok && result.body.resources.length === 6, JSON.stringify(result.ok || result.problems));
});

t.test("property: mutated sites give a well-formed, reproducible catalog or positioned problems", async (t) => {
  const dir = t.testdir(nested(FILES));
  const rels = Object.keys(FILES);
  await fc.assert(
    fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
      for (const rel of rels) writeFileSync(path.join(dir, rel), FILES[rel]);
      for (const m of mutations) {
        const file = path.join(dir, rels[m.file % rels.length]);
        writeFileSync(file, mutate(readFileSync(file, "utf8"), m));
      }
      // A hang is caught by tap's per-file timeout; a timed assertion here would only measure the machine's load.
      const result = await createSiteCompiler(dir).compile("web-01", FACTS);
      if (result.ok) {
        // A catalog that compiles from broken input must still be a real one: every
        // resource named, and the same bytes from a fresh compiler (no state leaking in).
        const again = await createSiteCompiler(dir).compile("web-01", FACTS);
        return again.ok && bodyDigest(again.body) === bodyDigest(result.body) && result.body.resources.every((r) => r.type !== "" && r.title !== "");
      }
      return (
        result.problems.length > 0 && result.problems.every((p) => rels.includes(p.file) && p.line >= 1 && p.column >= 1 && p.message.startsWith("for node web-01: ") && !p.message.includes("\n"))
      );
    }),
    { numRuns: 150 },
  );
});

function nested(files: { [rel: string]: string }): { [name: string]: never } {
  const root: { [name: string]: unknown } = {};
  for (const [rel, text] of Object.entries(files)) {
    const parts = rel.split("/");
    let dir = root;
    for (const p of parts.slice(0, -1)) dir = (dir[p] ??= {}) as { [name: string]: unknown };
    dir[parts[parts.length - 1]] = text;
  }
  return root as { [name: string]: never };
}
