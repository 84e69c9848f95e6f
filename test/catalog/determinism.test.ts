// Compiling is a pure function of (site files, certname, facts): same inputs, same bytes.
import t from "tap";
import { bodyDigest, canonicalJson } from "../../catalog/canonical.js";
import fc from "fast-check";
import type { CompileResult, Facts } from "../../catalog/compile-seam.js";
import { createSiteCompiler } from "../../catalog/site/create-site-compiler.js";
import { expectOk, site } from "./_helpers.js";

const files = site(
  {
    base: {
      files: { motd: "hello\n" },
      "module.yaml": `resources:
  - type: file
    title: /srv/\${node.name}
    ensure: directory
  - type: file
    title: /srv/\${node.name}/id
    content: "I am \${node.name}\\n"
    owner: root
    group: root
    mode: "0644"
    require: ["file:/srv/\${node.name}"]
    notify: ["file:/srv/\${node.name}/motd"]
  - type: file
    title: /srv/\${node.name}/motd
    source: files/motd
`,
    },
    web: `resources:
  - type: file
    title: /srv/\${node.name}/web.conf
    content: "listen 80\\n"
    require: ["file:/srv/\${node.name}/id"]
`,
  },
  'nodes:\n  - match: "*"\n    modules: [base]\n  - match: "web-*"\n    modules: [web]\n',
);

t.test("two compilers on the same site give identical canonical bodies for every certname", async (t) => {
  const dir = t.testdir(files);
  const certnames = ["web-01", "web-02.example.com", "db-01", "a", "x.y.z", "web-"];
  for (const certname of certnames) {
    const one = expectOk(t, await createSiteCompiler(dir).compile(certname, {}));
    const two = expectOk(t, await createSiteCompiler(dir).compile(certname, {}));
    t.equal(canonicalJson(two.body), canonicalJson(one.body), certname);
    t.equal(bodyDigest(two.body), bodyDigest(one.body), certname);
    t.same([...two.contents.keys()], [...one.contents.keys()], certname);
    t.equal(one.body.certname, certname);
  }
});

t.test("different certnames give different bodies", async (t) => {
  const compiler = createSiteCompiler(t.testdir(files));
  const a = expectOk(t, await compiler.compile("web-01", {}));
  const b = expectOk(t, await compiler.compile("web-02", {}));
  t.not(bodyDigest(a.body), bodyDigest(b.body));
});

t.test("property: for random fact sets, two compilers give the same bytes", async (t) => {
  const dir = t.testdir(factsSite);
  const facts = fc.record({
    os: fc.record({ family: fc.constantFrom("debian", "redhat", "alpine") }),
    cpu: fc.record({ count: fc.integer({ min: 0, max: 64 }) }),
    // Unique: two equal tags declare one file twice, a (correctly reported) duplicate, not a valid catalog.
    tags: fc.uniqueArray(fc.stringMatching(/^[a-z]{1,6}$/), { maxLength: 5 }),
    extra: fc.jsonValue({ maxDepth: 2 }),
  });
  await fc.assert(
    fc.asyncProperty(facts, fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), async (f, certname) => {
      const one = await createSiteCompiler(dir).compile(certname, f as Facts);
      const two = await createSiteCompiler(dir).compile(certname, structuredClone(f) as Facts);
      const bytes = (r: CompileResult): string => (r.ok ? canonicalJson(r.body) : JSON.stringify(r.problems));
      return bytes(one) === bytes(two) && one.ok;
    }),
    { numRuns: 60 },
  );
  t.pass("deterministic over random facts");
});

/** A site whose catalog depends on facts through when, for_each, interpolation and a template. */
const factsSite = site({
  base: {
    "module.yaml": `params:
  cpus: { type: int, default: "\${facts.cpu.count}" }
resources:
  - type: file
    title: /srv/os
    content: "\${facts.os.family} \${params.cpus} \${facts.extra}"
  - type: file
    for_each: facts.tags
    title: /srv/tag-\${each}
    when: 'facts.os.family != "alpine"'
  - type: file
    title: /srv/\${node.name}.conf
    template: conf.liquid
`,
    templates: { "conf.liquid": "{% for t in facts.tags %}{{ t }}\n{% endfor %}{{ params.cpus | plus: 1 }}" },
  },
});
