// The package provider against a dpkg status file and a stand-in apt: state
// read without spawning, one apt call for every ready package, noop calls
// nothing that changes the host, a failed batch is retried package by package.
import t, { type Test } from "tap";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Resource } from "../../../catalog/model.js";
import type { CommandResult, CommandRunner } from "../../../agent/providers/command.js";
import { lookupPackage, parseAptPolicy, parseDpkgStatus } from "../../../agent/providers/dpkg.js";
import { createPackageProvider } from "../../../agent/providers/package.js";
import { providerFor } from "../../../agent/providers/registry.js";
import { apply, catalogOf, file } from "../_helpers.js";
import { EventResult, ReportStatus } from "../../../proto/gen/ancla/v1/agent_pb.js";
import { eventResultWords } from "../../../proto/report-words.js";

const STATUS = `Package: hello
Status: install ok installed
Priority: optional
Architecture: amd64
Version: 2.10-3
Description: example package based on GNU hello
 The GNU hello program produces a familiar, friendly greeting.
 .
 Status: this continuation line is not a field

Package: libc6
Status: install ok installed
Architecture: i386
Version: 2.36-9

Package: libc6
Status: install ok installed
Architecture: amd64
Version: 2.36-9+deb12u4

Package: oldie
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0

Package: broken
Status: install ok half-configured
Architecture: all
Version: 0.1
`;

t.test("dpkg status: entries, states, multiarch and continuation lines", async (t) => {
  const db = parseDpkgStatus(STATUS);
  t.same(lookupPackage(db, "hello", "amd64"), { name: "hello", architecture: "amd64", version: "2.10-3", state: "installed" });
  t.equal(lookupPackage(db, "libc6", "amd64")?.version, "2.36-9+deb12u4");
  t.equal(lookupPackage(db, "libc6:i386", "amd64")?.version, "2.36-9");
  t.equal(lookupPackage(db, "oldie")?.state, "config-files");
  t.equal(lookupPackage(db, "broken")?.state, "half-configured");
  t.equal(lookupPackage(db, "nope"), undefined);
});

t.test("apt-cache policy: candidates, (none), unknown packages left out", async (t) => {
  const out = `hello:
  Installed: 2.10-2
  Candidate: 2.10-3
  Version table:
     2.10-3 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
libc6:i386:
  Installed: (none)
  Candidate: (none)
  Version table:
`;
  t.same(
    [...parseAptPolicy(out)],
    [
      ["hello", "2.10-3"],
      ["libc6:i386", undefined],
    ],
  );
});

interface FakeApt {
  run: CommandRunner;
  calls: string[][];
}

/** apt as a recorder; `install` edits the status file the way dpkg would (unpinned: `candidate`), `fail` makes it exit 100. */
function fakeApt(statusFile: string, opts: { policy?: string; candidate?: string; fail?: (args: string[]) => boolean } = {}): FakeApt {
  const calls: string[][] = [];
  const done = (code: number, stdout = ""): CommandResult => ({ code, signal: null, stdout, output: code ? "E: Unable to locate package" : "" });
  const run: CommandRunner = async (argv) => {
    calls.push([...argv]);
    if (argv[0] === "apt-cache") return done(0, opts.policy ?? "");
    const args = argv.slice(argv.indexOf("--") + 1);
    if (opts.fail?.(args)) return done(100);
    let text = "";
    for (const arg of args) {
      if (arg.endsWith("-")) continue;
      const [name, version = opts.candidate ?? "1.0"] = arg.split("=");
      text += `\nPackage: ${name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: ${version}\n`;
    }
    const removed = new Set(args.map((a) => a.replace(/(=.*|-)$/, "")));
    const kept = STATUS.split(/\n\n/).filter((p) => !removed.has(/^Package: (\S+)/.exec(p)?.[1] ?? ""));
    writeFileSync(statusFile, kept.join("\n\n") + text);
    return done(0);
  };
  return { run, calls };
}

const pkg = (title: string, ensure: string): Resource => ({ type: "package", title, properties: { ensure } });

function setup(t: Test, opts: Parameters<typeof fakeApt>[1] = {}) {
  const dir = t.testdir({ status: STATUS });
  const statusFile = join(dir, "status");
  const apt = fakeApt(statusFile, opts);
  const provider = createPackageProvider({ statusFile, run: apt.run });
  const providers = (type: string) => (type === "package" ? provider : providerFor(type));
  return { dir, apt, providers };
}

t.test("one apt-get call installs, pins and removes every package of the run", async (t) => {
  const { apt, providers } = setup(t, { policy: "hello:\n  Installed: 2.10-3\n  Candidate: 2.10-4\n", candidate: "2.10-4" });
  const catalog = catalogOf([pkg("sl", "installed"), pkg("hello", "latest"), pkg("jq", "1.6-2.1"), pkg("oldie", "absent"), pkg("libc6", "installed"), pkg("broken", "absent")]);
  const outcome = await apply(catalog, { providers });
  t.equal(outcome.status, ReportStatus.CHANGED, JSON.stringify(outcome.events));
  const aptGets = apt.calls.filter((c) => c[0] === "apt-get");
  t.equal(aptGets.length, 1, "one apt-get for all");
  t.same(aptGets[0].slice(aptGets[0].indexOf("--") + 1), ["sl", "hello", "jq=1.6-2.1", "broken-"]);
  t.same(
    apt.calls.filter((c) => c[0] === "apt-cache"),
    [["apt-cache", "policy", "--", "hello"]],
    "one policy query, only for latest",
  );
  t.same(
    outcome.events.map((e) => [e.resource, e.desired, e.actual, eventResultWords.word(e.result)]),
    [
      ["package:sl", '"installed"', '"absent"', "changed"],
      ["package:hello", '"2.10-4"', '"2.10-3"', "changed"],
      ["package:jq", '"1.6-2.1"', '"absent"', "changed"],
      ["package:broken", '"absent"', '"half-configured"', "changed"],
    ],
  );
});

t.test("noop reports the same changes and calls no apt-get", async (t) => {
  const { apt, providers } = setup(t);
  const outcome = await apply(catalogOf([pkg("sl", "installed"), pkg("hello", "absent")]), { providers, noop: true });
  t.same(apt.calls, []);
  t.same(
    outcome.events.map((e) => [e.resource, eventResultWords.word(e.result)]),
    [
      ["package:sl", "noop"],
      ["package:hello", "noop"],
    ],
  );
});

t.test("a package that waits on another resource is not pulled into an earlier batch", async (t) => {
  const { dir, apt, providers } = setup(t);
  const conf = join(dir, "preseed");
  const catalog = catalogOf(
    [pkg("sl", "installed"), file(conf, { content: "x" }), pkg("jq", "installed")],
    [
      { from: `file:${conf}`, to: "package:jq", kind: "require" },
      { from: "package:sl", to: `file:${conf}`, kind: "require" },
    ],
  );
  await apply(catalog, { providers });
  const aptGets = apt.calls.filter((c) => c[0] === "apt-get").map((c) => c.slice(c.indexOf("--") + 1));
  t.same(aptGets, [["sl"], ["jq"]], "jq installed after the file it requires");
});

t.test("a failed batch is retried package by package, and the report blames the broken one", async (t) => {
  const { apt, providers } = setup(t, { fail: (args) => args.includes("no-such-pkg") });
  const outcome = await apply(catalogOf([pkg("sl", "installed"), pkg("no-such-pkg", "installed"), pkg("jq", "installed")]), { providers });
  const aptGets = apt.calls.filter((c) => c[0] === "apt-get").map((c) => c.slice(c.indexOf("--") + 1));
  t.same(aptGets, [["sl", "no-such-pkg", "jq"], ["sl"], ["no-such-pkg"], ["jq"]]);
  t.same(
    outcome.events.map((e) => [e.resource, eventResultWords.word(e.result)]),
    [
      ["package:sl", "changed"],
      ["package:no-such-pkg", "failed"],
      ["package:jq", "changed"],
    ],
  );
});

t.test("latest without a candidate fails with a hint", async (t) => {
  const { providers } = setup(t, { policy: "" });
  const outcome = await apply(catalogOf([pkg("nope", "latest")]), { providers });
  t.match(outcome.events[0], { result: EventResult.FAILED, property: "ensure", message: /no candidate version of nope/ });
});

t.test("in sync: no apt call at all", async (t) => {
  const { apt, providers } = setup(t);
  const outcome = await apply(catalogOf([pkg("hello", "installed"), pkg("libc6:i386", "2.36-9"), pkg("oldie", "absent"), pkg("gone", "absent")]), { providers });
  t.equal(outcome.status, ReportStatus.UNCHANGED);
  t.same(apt.calls, []);
});
