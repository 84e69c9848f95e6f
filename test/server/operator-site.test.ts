// `ancla site validate`, `ancla catalog compile` and `ancla catalog diff` as
// real processes (the built dist/), on the example site, broken sites, two
// directories and two commits of a temporary git repository.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { cli, ROOT } from "../helpers/processes.js";
import { startTestApi, tempDir } from "./_helpers.js";

const SITE = join(ROOT, "examples/site");
const FACTS = join(ROOT, "examples/facts");
/** Nothing from the environment running the tests: no server unless a test gives one. */
const noServer = (dir: string) => ({ ANCLA_URL: "", ANCLA_TOKEN: "", ANCLA_CA_FILE: "", TMPDIR: dir });
const ancla = (args: string[], env: NodeJS.ProcessEnv) => cli("ancla", args, { env });

/** A site with two mistakes: a mode YAML reads as a number (5:5), and a notify to nothing (8:13). */
const BROKEN_MODULE = `resources:
  - type: file
    title: /etc/motd
    content: "hello\\n"
    mode: 0644
  - type: file
    title: /etc/issue
    notify: service:nope
`;

function writeSite(dir: string, module: string): string {
  mkdirSync(join(dir, "modules/base"), { recursive: true });
  writeFileSync(join(dir, "nodes.yaml"), 'nodes:\n  - match: "*"\n    modules: [base]\n');
  writeFileSync(join(dir, "modules/base/module.yaml"), module);
  return dir;
}

t.test("catalog compile", async (t) => {
  const env = noServer(tempDir(t));
  const compile = (node: string, ...rest: string[]) => ancla(["catalog", "compile", "--site", SITE, "--node", node, "--facts", join(FACTS, `${node}.json`), ...rest], env);

  t.test("prints one line per resource with its properties and edges", async (t) => {
    const res = await compile("web-01");
    t.equal(res.code, 0, res.stderr);
    t.match(res.stdout, /^catalog for web-01: 28 resources, \d+ edges \(site (git:[0-9a-f]{40}\+)?sha256:[0-9a-f]{64}, digest [0-9a-f]{64}\)\n/);
    t.match(res.stdout, /\nfile:\/etc\/nginx\/nginx\.conf {2}ensure=file mode=0644 content=sha256:[0-9a-f]{12}… {2}\[after package:nginx; notifies service:nginx\]\n/);
    t.match(res.stdout, /\nservice:ssh {2}ensure=running enable=true\n/, "the sshd unit name came from data/os/debian.yaml");
  });

  t.test("--json: the catalog body, its digest and the content digests", async (t) => {
    const res = await compile("web-01", "--json");
    t.equal(res.code, 0, res.stderr);
    const out = JSON.parse(res.stdout) as { ok: boolean; certname: string; digest: string; resources: unknown[]; edges: unknown[]; contents: { sha256: string; size: number }[] };
    t.match(out, { ok: true, certname: "web-01", digest: /^[0-9a-f]{64}$/ });
    t.equal(out.resources.length, 28);
    t.ok(out.edges.length > 0);
    t.ok(Array.isArray(out.contents));
  });

  t.test("a sensitive resource's values are redacted in the human output", async (t) => {
    const res = await compile("app-01");
    t.equal(res.code, 0, res.stderr);
    t.match(res.stdout, /\nfile:\/etc\/app\/app\.env {2}ensure=\[redacted\] .*content=\[redacted\] sensitive=true/);
    t.notMatch(res.stdout, /postgres:/);
  });

  t.test("facts as YAML", async (t) => {
    const facts = join(tempDir(t), "demo.yaml");
    writeFileSync(facts, "os: { family: debian, name: Debian GNU/Linux, release: '12' }\n");
    const res = await ancla(["catalog", "compile", "--site", SITE, "--node", "demo-01", "--facts", facts], env);
    t.equal(res.code, 0, res.stderr);
    t.match(res.stdout, /\nfile:\/var\/tmp\/ancla-demo\/demo-01\/etc\/apt-hosts {2}ensure=file/, "the `when` on facts.os.family held");
  });

  t.test("problems: every one as file:line:column, exit 1", async (t) => {
    const site = writeSite(tempDir(t), BROKEN_MODULE);
    const res = await ancla(["catalog", "compile", "--site", site, "--node", "web-01"], env);
    t.equal(res.code, 1);
    const lines = res.stdout.trimEnd().split("\n");
    t.equal(lines.length, 2, res.stdout);
    t.match(lines[0], `${site}/modules/base/module.yaml:5:5: `);
    t.match(lines[0], /mode/);
    t.match(lines[1], `${site}/modules/base/module.yaml:8:13: `);
    t.match(lines[1], /service:nope/);
  });
});

t.test("site validate", async (t) => {
  const scratch = tempDir(t);
  const env = noServer(scratch);
  const noData = ["--data-dir", join(scratch, "no-server-here")];

  t.test("the example site compiles for every sample fact set", async (t) => {
    const res = await ancla(["site", "validate", SITE, "--facts-dir", FACTS], env);
    t.equal(res.code, 0, res.stdout + res.stderr);
    t.match(res.stdout, /^app-01: ok, 20 resources\ndemo-01: ok, 18 resources\nweb-01: ok, 28 resources\n3 nodes: the site compiles for every one\n$/);
    t.match(res.stderr, /facts from .*examples\/facts: app-01, demo-01, web-01/);
  });

  t.test("a broken site: every problem per node, a summary, exit 1", async (t) => {
    const site = writeSite(join(scratch, "broken"), BROKEN_MODULE);
    const facts = join(scratch, "facts");
    mkdirSync(facts);
    writeFileSync(join(facts, "web-01.json"), '{"os": {"family": "debian"}}');
    writeFileSync(join(facts, "db-01.yaml"), "os: { family: debian }\n");
    const res = await ancla(["site", "validate", site, "--facts-dir", facts], env);
    t.equal(res.code, 1);
    t.match(res.stdout, /^db-01: 2 problems\n/);
    t.match(res.stdout, `\n${site}/modules/base/module.yaml:5:5: `);
    t.match(res.stdout, /\nweb-01: 2 problems\n/);
    t.match(res.stdout, /\n2 nodes: 2 with problems \(4 problems\)\n$/);
    const json = JSON.parse((await ancla(["site", "validate", site, "--facts-dir", facts, "--node", "web-*", "--json"], env)).stdout) as {
      nodes: { certname: string; problems: { line: number; column: number }[] }[];
    };
    t.same(
      json.nodes.map((n) => [n.certname, n.problems.map((p) => `${p.line}:${p.column}`)]),
      [["web-01", ["5:5", "8:13"]]],
    );
  });

  const plain = writeSite(join(scratch, "plain"), 'resources:\n  - type: file\n    title: /etc/motd\n    content: "hi ${node.name}\\n"\n');

  t.test("no server and no facts: one synthetic node, and it says so", async (t) => {
    const res = await ancla(["site", "validate", plain, ...noData], env);
    t.equal(res.code, 0, res.stdout + res.stderr);
    t.match(res.stderr, /synthetic node "validate-node" with empty facts/);
    t.match(res.stdout, /^validate-node: ok, 1 resource\n/);
  });

  t.test("literal --node names without facts are compiled with empty facts", async (t) => {
    const res = await ancla(["site", "validate", plain, "--node", "web-01", "--node", "web-02", ...noData], env);
    t.equal(res.code, 0, res.stdout + res.stderr);
    t.match(res.stderr, /no facts for web-01, web-02/);
    t.match(res.stdout, /^web-01: ok, 1 resource\nweb-02: ok, 1 resource\n/);
    // The example site reads facts: with none, that is what validate reports, where it happens.
    const facts = await ancla(["site", "validate", SITE, "--node", "demo-01", ...noData], env);
    t.equal(facts.code, 1);
    t.match(facts.stdout, /\n\S+examples\/site\/modules\/demo\/module\.yaml:\d+:\d+: .*facts\.os\.family/);
  });

  t.test("the known nodes and their facts come from a reachable server", async (t) => {
    const api = await startTestApi(t);
    const caFile = join(scratch, "ca.crt");
    writeFileSync(caFile, api.ca.certPem);
    for (const node of ["web-01", "app-01"]) await api.store.nodes.recordCheckin(node, JSON.parse(readFileSync(join(FACTS, `${node}.json`), "utf8")), new Date());
    const res = await ancla(["site", "validate", SITE, "--url", api.url, "--token", api.tokens.viewer, "--ca-file", caFile], env);
    t.equal(res.code, 0, res.stdout + res.stderr);
    t.match(res.stderr, /facts from the server: /);
    t.match(res.stdout, /app-01: ok, 20 resources/);
    t.match(res.stdout, /web-01: ok, 28 resources/, "web-01's facts made its `when: facts.os.family` hold");
  });
});

t.test("catalog diff", async (t) => {
  const scratch = tempDir(t);
  const tmp = join(scratch, "tmp");
  mkdirSync(tmp);
  const env = noServer(tmp);
  const before = join(scratch, "before");
  const after = join(scratch, "after");
  cpSync(SITE, before, { recursive: true });
  cpSync(SITE, after, { recursive: true });
  writeFileSync(join(after, "data/nodes/web-01.yaml"), readFileSync(join(after, "data/nodes/web-01.yaml"), "utf8").replace("web.workers: 8", "web.workers: 16"));

  t.test("between two directories: exit 2 and the changed resource, with a text diff", async (t) => {
    const res = await ancla(["catalog", "diff", "--from", before, "--to", after, "--facts-dir", FACTS], env);
    t.equal(res.code, 2, res.stderr);
    t.match(res.stdout, `--- ${before}\n+++ ${after}\n`);
    t.match(res.stdout, /\napp-01: no differences\n/);
    t.match(res.stdout, /\nweb-01: 1 changed\n {2}~ file:\/etc\/nginx\/nginx\.conf\n {6}content: sha256:[0-9a-f]{12}… → sha256:[0-9a-f]{12}…\n/);
    t.match(res.stdout, /\n {8}-worker_processes 8;\n {8}\+worker_processes 16;\n/);
    t.match(res.stdout, /\n3 nodes: 1 with differences, 2 unchanged\n$/);
  });

  t.test("--node narrows, --json gives the structure; no differences exits 0", async (t) => {
    const json = await ancla(["catalog", "diff", "--from", before, "--to", after, "--facts-dir", FACTS, "--node", "web-*", "--json"], env);
    t.equal(json.code, 2);
    const out = JSON.parse(json.stdout) as { nodes: { certname: string; diff: { changed: { ref: string; changes: { property: string; diff?: string }[] }[] } }[] };
    t.same(
      out.nodes.map((n) => n.certname),
      ["web-01"],
    );
    t.match(out.nodes[0].diff.changed, [{ ref: "file:/etc/nginx/nginx.conf", changes: [{ property: "content", diff: /-worker_processes 8;\n\+worker_processes 16;/ }] }]);
    const same = await ancla(["catalog", "diff", "--from", before, "--to", before, "--facts-dir", FACTS], env);
    t.equal(same.code, 0, same.stderr);
  });

  t.test("a side that does not compile: its problems, exit 1", async (t) => {
    const broken = writeSite(join(scratch, "broken"), BROKEN_MODULE);
    const res = await ancla(["catalog", "diff", "--from", before, "--to", broken, "--node", "web-01", "--data-dir", join(scratch, "none")], env);
    t.equal(res.code, 1);
    t.match(res.stdout, `web-01: does not compile at ${broken}\n${broken}/modules/base/module.yaml:5:5: `);
  });

  t.test("between two commits of a git repository, cleaning up after itself", async (t) => {
    const repo = join(scratch, "repo");
    cpSync(before, join(repo, "infra/site"), { recursive: true });
    const git = (...args: string[]) => execFileSync("git", ["-C", repo, "-c", "user.name=Test", "-c", "user.email=test@example.com", ...args], { encoding: "utf8" });
    git("init", "-q");
    git("add", ".");
    git("commit", "-q", "-m", "site");
    cpSync(join(after, "data/nodes/web-01.yaml"), join(repo, "infra/site/data/nodes/web-01.yaml"));
    git("commit", "-q", "-am", "more workers");
    const site = join(repo, "infra/site");
    const res = await ancla(["catalog", "diff", "--site", site, "--from", "HEAD~1", "--to", "HEAD", "--facts-dir", FACTS], env);
    t.equal(res.code, 2, res.stderr);
    t.match(res.stdout, /^--- HEAD~1 \([0-9a-f]{12}\)\n\+\+\+ HEAD \([0-9a-f]{12}\)\n/);
    t.match(res.stdout, /\nweb-01: 1 changed\n {2}~ file:\/etc\/nginx\/nginx\.conf\n/);
    t.same(readdirSync(tmp), [], "the exported trees are removed");
    const worktree = await ancla(["catalog", "diff", "--site", site, "--from", "HEAD", "--to", site, "--facts-dir", FACTS], env);
    t.equal(worktree.code, 0, "a ref against the work tree: no differences");
    const unknown = await ancla(["catalog", "diff", "--site", site, "--from", "HEAD", "--to", "no-such-branch", "--facts-dir", FACTS], env);
    t.equal(unknown.code, 1);
    t.match(unknown.stderr, /^error: ANCLA_E_CONFIG: "no-such-branch" is neither a directory nor a commit of the repository at .*\n$/);
    t.same(readdirSync(tmp), [], "the side already exported is removed when the other fails");
  });
});

t.test("misuse: one clear line, exit 64", async (t) => {
  const env = noServer(tempDir(t));
  const cases: [string[], RegExp][] = [
    [["catalog", "compile", "--site", SITE], /--node is required/],
    [["catalog", "compile", "--node", "web-01", "--bogus"], /Unknown option '--bogus'/],
    [["catalog", "diff", "--from", SITE], /--to is required/],
    [["catalog", "diff", "--from", "main", "--to", SITE], /"main" is not a directory; to read it as a git ref, give --site DIR/],
    [["site", "validate"], /expected 1 argument\(s\), got 0/],
  ];
  for (const [args, message] of cases) {
    const res = await ancla(args, env);
    t.equal(res.code, 64, args.join(" "));
    t.match(res.stderr, /^error: ANCLA_E_USAGE: [^\n]+\n$/, args.join(" "));
    t.match(res.stderr, message);
  }
  const missing = await ancla(["catalog", "compile", "--site", join(ROOT, "no/such/site"), "--node", "x"], env);
  t.equal(missing.code, 1);
  t.match(missing.stderr, /^error: ANCLA_E_CONFIG: site directory .*no\/such\/site is not a directory/);
});
