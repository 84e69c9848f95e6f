// Compiling is a pure function of (site files, certname): same inputs, same bytes.
import t from "tap";
import { bodyDigest, canonicalJson } from "../../catalog/canonical.js";
import { createMinimalCompiler } from "../../catalog/minimal/compiler.js";
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
    const one = expectOk(t, await createMinimalCompiler(dir).compile(certname, {}));
    const two = expectOk(t, await createMinimalCompiler(dir).compile(certname, {}));
    t.equal(canonicalJson(two.body), canonicalJson(one.body), certname);
    t.equal(bodyDigest(two.body), bodyDigest(one.body), certname);
    t.same([...two.contents.keys()], [...one.contents.keys()], certname);
    t.equal(one.body.certname, certname);
  }
});

t.test("different certnames give different bodies", async (t) => {
  const compiler = createMinimalCompiler(t.testdir(files));
  const a = expectOk(t, await compiler.compile("web-01", {}));
  const b = expectOk(t, await compiler.compile("web-02", {}));
  t.not(bodyDigest(a.body), bodyDigest(b.body));
});

t.test("facts do not change the result of this compiler", async (t) => {
  const compiler = createMinimalCompiler(t.testdir(files));
  const a = expectOk(t, await compiler.compile("web-01", {}));
  const b = expectOk(t, await compiler.compile("web-01", { os: { family: "debian" }, kernel: "Linux" }));
  t.equal(canonicalJson(b.body), canonicalJson(a.body));
});
