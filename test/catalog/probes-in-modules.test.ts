// `probes:` in module.yaml: compiled per node into the catalog's `probes`,
// with expressions in their fields, `when` and `for_each` like resources, and
// defaults filled in; every mistake is a problem at its file:line:column; a
// catalog without probes has no `probes` key (its bytes do not change); and
// `probes: { local_only: true }` in ancla.yaml keeps probes on the node itself.
import t from "tap";
import { compileFiles, expectOk, problemLines, site } from "./_helpers.js";

const webModule = `params:
  port: { type: int, default: 8080 }
resources:
  - type: file
    title: /srv/web
    ensure: directory
probes:
  - name: web-http
    http: { url: "http://127.0.0.1:\${params.port}/healthz", body: "^ok" }
    every: 10s
    timeout: 2s
  - name: "\${each}-tcp"
    for_each: [db, cache]
    tcp: { host: localhost, port: 5432 }
  - name: nginx-alive
    command: pgrep nginx
    every: 1m
  - name: debian-only
    when: facts.os == "debian"
    command: "true"
`;

t.test("probes compile into the catalog with their defaults", async (t) => {
  const { body } = expectOk(t, await compileFiles(t, site({ base: webModule }), "web-01", { os: "redhat" }));
  t.same(body.probes, [
    { name: "web-http", every: 10, timeout: 2, http: { url: "http://127.0.0.1:8080/healthz", status: 200, body: "^ok" } },
    { name: "db-tcp", every: 10, timeout: 5, tcp: { host: "localhost", port: 5432 } },
    { name: "cache-tcp", every: 10, timeout: 5, tcp: { host: "localhost", port: 5432 } },
    { name: "nginx-alive", every: 60, timeout: 5, command: { command: "pgrep nginx" } },
  ]);
  const debian = expectOk(t, await compileFiles(t, site({ base: webModule }), "web-01", { os: "debian" }));
  t.ok(
    debian.body.probes?.some((p) => p.name === "debian-only"),
    "`when` decides per node",
  );
});

t.test("a short interval shortens the default timeout", async (t) => {
  const { body } = expectOk(t, await compileFiles(t, site({ base: "probes:\n  - name: fast\n    command: 'true'\n    every: 2s\n" })));
  t.same(body.probes, [{ name: "fast", every: 2, timeout: 2, command: { command: "true" } }]);
});

t.test("a catalog without probes has no probes key", async (t) => {
  const { body } = expectOk(t, await compileFiles(t, site({ base: "resources:\n  - type: file\n    title: /srv/a\n    ensure: directory\n" })));
  t.notOk("probes" in body);
});

t.test("mistakes are problems at their position", async (t) => {
  const bad = `probes:
  - http: { url: "http://localhost/" }
  - name: both
    command: "true"
    tcp: { host: localhost, port: 1 }
  - name: slow
    command: "true"
    every: 5s
    timeout: 10s
  - name: badport
    tcp: { host: localhost, port: 70000 }
  - name: nourl
    http: { status: 200 }
  - name: regex
    http: { url: "http://localhost/", body: "(" }
  - name: "has space"
    command: "true"
  - name: typo
    comand: "true"
  - name: expr
    command: "\${facts.missing.x}"
  - name: dup
    command: "true"
`;
  const other = "probes:\n  - name: dup\n    command: 'true'\n";
  const nodes = 'nodes:\n  - match: "*"\n    modules: [base, other]\n';
  const lines = problemLines(await compileFiles(t, site({ base: bad, other }, nodes)));
  const expect = [
    /^modules\/base\/module\.yaml:2:5: .*a probe needs a `name`/,
    /^modules\/base\/module\.yaml:3:11: .*probe both: a probe needs exactly one of http, tcp, command, not tcp and command/,
    /^modules\/base\/module\.yaml:9:5: .*`timeout` \(10s\) must not be longer than `every` \(5s\)/,
    /^modules\/base\/module\.yaml:11:5: .*`tcp\.port` must be an integer from 1 to 65535/,
    /^modules\/base\/module\.yaml:13:5: .*needs `http\.url`/,
    /^modules\/base\/module\.yaml:15:5: .*`http\.body` must be a regular expression/,
    /^modules\/base\/module\.yaml:16:11: .*`name` must be a probe name like/,
    /^modules\/base\/module\.yaml:19:5: .*no property `comand`; did you mean `command`\?/,
    /^modules\/base\/module\.yaml:21:15: .*field not found: missing/,
    /^modules\/other\/module\.yaml:2:11: .*probe dup is declared twice for this node \(first at modules\/base\/module\.yaml:22:11\)/,
  ];
  for (const re of expect)
    t.ok(
      lines.some((l) => re.test(l)),
      String(re),
    );
  t.equal(lines.length, expect.length, lines.join("\n"));
});

t.test("local_only keeps probes on the node itself", async (t) => {
  const module = `probes:
  - name: loop4
    http: { url: "http://127.0.0.2:80/" }
  - name: loop6
    http: { url: "http://[::1]:80/" }
  - name: own-name
    tcp: { host: web-01.example.com, port: 22 }
  - name: own-ip
    http: { url: "https://10.0.0.5/" }
  - name: remote
    http: { url: "http://db.example.com:5432/" }
  - name: remote-tcp
    tcp: { host: 10.0.0.9, port: 22 }
  - name: command
    command: "curl http://db.example.com"
`;
  const facts = { fqdn: "web-01.example.com", networking: { ip: "10.0.0.5", interfaces: {} } };
  const files = { ...site({ base: module }), "ancla.yaml": "probes:\n  local_only: true\n" };
  const lines = problemLines(await compileFiles(t, files, "web-01", facts));
  t.match(lines, [
    /modules\/base\/module\.yaml:11:18: .*probe remote: db\.example\.com is not this host, and ancla\.yaml says `probes: \{ local_only: true \}`/,
    /modules\/base\/module\.yaml:13:18: .*probe remote-tcp: 10\.0\.0\.9 is not this host/,
  ]);
  t.equal(lines.length, 2, lines.join("\n"));
  const open = expectOk(t, await compileFiles(t, site({ base: module }), "web-01", facts));
  t.equal(open.body.probes?.length, 7, "without local_only any host may be probed");
  const wrong = problemLines(await compileFiles(t, { ...site({ base: module }), "ancla.yaml": "probes:\n  local_only: yes please\n" }, "web-01", facts));
  t.match(wrong, [/^ancla\.yaml:2:15: .*`probes\.local_only` must be true or false/]);
});
