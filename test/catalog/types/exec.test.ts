import t from "tap";
import { execType } from "../../../catalog/types/exec.js";
import { normalised, problems } from "./_helpers.js";

t.test("the command defaults to the title and the timeout to 300 seconds", async (t) => {
  t.same(normalised(t, execType, "/usr/bin/apt-get update", {}), { command: "/usr/bin/apt-get update", timeout: 300 });
  t.same(normalised(t, execType, "reload nginx", { command: "systemctl reload nginx", refreshonly: true }), {
    command: "systemctl reload nginx",
    refreshonly: true,
    timeout: 300,
  });
});

t.test("guards, user and working directory are kept; paths normalised", async (t) => {
  t.same(normalised(t, execType, "init db", { command: "initdb", creates: "/var/lib/db//PG_VERSION", unless: "test -f /x", onlyif: "true", cwd: "/srv/", user: "postgres" }), {
    command: "initdb",
    creates: "/var/lib/db/PG_VERSION",
    unless: "test -f /x",
    onlyif: "true",
    cwd: "/srv",
    user: "postgres",
    timeout: 300,
  });
});

t.test("timeout: whole seconds or a duration, normalised to seconds; 0 is no limit", async (t) => {
  const timeouts: [string | number, number][] = [
    [30, 30],
    ["30s", 30],
    ["5m", 300],
    ["1h30m", 5400],
    [0, 0],
  ];
  for (const [given, seconds] of timeouts) {
    t.same(normalised(t, execType, "x", { timeout: given }).timeout, seconds, String(given));
  }
  for (const bad of ["", "5 m", "10d", "1.5m", -1, 2.5]) {
    t.match(problems(execType, "x", { timeout: bad }), [/^timeout: `timeout` must be a duration like "30s", "5m" or "1h30m", or whole seconds \(at least 0\), not /], String(bad));
  }
});

t.test("environment: a map, or Puppet's list of NAME=value, both a map of strings", async (t) => {
  t.same(normalised(t, execType, "x", { environment: { HOME: "/root", LANG: "C" } }).environment, { HOME: "/root", LANG: "C" });
  t.same(normalised(t, execType, "x", { environment: ["HOME=/root", "OPTS=a=b", "EMPTY="] }).environment, { HOME: "/root", OPTS: "a=b", EMPTY: "" });
});

t.test("environment problems", async (t) => {
  const cases: [unknown, string][] = [
    ["HOME=/root", 'environment: `environment` must be a map of names to strings, or a list of "NAME=value", not "HOME=/root"'],
    [["HOME"], 'environment: `environment` must be a map of names to strings, or a list of "NAME=value", not a list'],
    [["=x"], 'environment: `environment` must be a map of names to strings, or a list of "NAME=value", not a list'],
    [{ PORT: 8080 }, "environment: `environment.PORT` must be a string; quote it"],
    [{ "MY-VAR": "x" }, 'environment: `environment` has "MY-VAR", which is not a variable name'],
    [["A=1", "A=2"], "environment: `environment` sets A twice"],
  ];
  for (const [environment, message] of cases) {
    t.same(problems(execType, "x", { environment: environment as never }), [message], message);
  }
});

t.test("wrong values", async (t) => {
  t.same(problems(execType, "x", { command: "", creates: "relative", unless: false, refreshonly: "true", cwd: 3, user: "bad user" }), [
    'command: `command` must be a non-empty string, not ""',
    'creates: `creates` must be an absolute path, not "relative"',
    "unless: `unless` must be a string, not false",
    'refreshonly: `refreshonly` must be true or false, not "true"',
    "cwd: `cwd` must be an absolute path, not the number 3",
    'user: `user` must be a user or group name (letters, digits, ".", "_", "-"; at most 32), not "bad user"',
  ]);
  t.same(problems(execType, "", {}), [': `title` must be a non-empty string, not ""']);
});

t.test("unknown properties", async (t) => {
  t.match(problems(execType, "x", { onlyIf: "true" }), [/^onlyIf: exec has no property `onlyIf`; did you mean `onlyif`\?/]);
  t.match(problems(execType, "x", { path: "/bin" }), [/^path: exec has no property `path` \(it takes command, creates, unless, onlyif, refreshonly, timeout, environment, cwd, user\)$/]);
});
