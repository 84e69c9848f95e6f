// How `ancla` reads its command line (the built binary): global flags before
// or after the command as in git and kubectl, --version, a group's help, and
// the flags every command takes listed in the top-level help.
import t from "tap";
import { cli } from "../helpers/processes.js";
import { ANCLA_VERSION } from "../../core/version.js";
import { startRealServer } from "./_server.js";

t.test("a global flag before the command is the command's flag", async (t) => {
  const server = await startRealServer(t);
  const before = await cli("ancla", ["--data-dir", server.dataDir, "nodes", "--json"]);
  t.equal(before.code, 0, before.stderr);
  const after = await cli("ancla", ["nodes", "--json", "--data-dir", server.dataDir]);
  t.equal(after.code, 0, after.stderr);
  t.same(JSON.parse(before.stdout), JSON.parse(after.stdout));
  const joined = await cli("ancla", [`--data-dir=${server.dataDir}`, "--json", "nodes"]);
  t.equal(joined.code, 0, joined.stderr);
  t.same(JSON.parse(joined.stdout), JSON.parse(after.stdout), "--flag=value and a boolean before the command too");
});

t.test("--version prints the version", async (t) => {
  for (const [bin, program] of [
    ["ancla", "ancla"],
    ["server", "ancla-server"],
    ["agent", "ancla-agent"],
  ] as const) {
    const r = await cli(bin, ["--version"]);
    t.equal(r.code, 0, r.stderr);
    t.equal(r.stdout, `${program} ${ANCLA_VERSION}\n`);
  }
});

t.test("a group's help lists its commands; the group alone is a usage error", async (t) => {
  const help = await cli("ancla", ["cert", "--help"]);
  t.equal(help.code, 0, help.stderr);
  for (const sub of ["list", "sign", "reject", "revoke"]) t.match(help.stdout, new RegExp(`\\n  ancla cert ${sub}\\b`), `cert ${sub}`);
  t.notMatch(help.stdout, /ancla nodes/, "only the group's commands");
  const bare = await cli("ancla", ["cert"]);
  t.equal(bare.code, 64);
  t.match(bare.stdout, /ancla cert sign/);
});

t.test("the top-level help names the flags every command takes; an unknown command is one line", async (t) => {
  const help = await cli("ancla", ["--help"]);
  t.equal(help.code, 0);
  for (const flag of ["--url URL", "--token TOKEN", "--ca-file FILE", "--data-dir DIR", "--json"]) t.match(help.stdout, flag);
  const unknown = await cli("ancla", ["--data-dir", "/nonexistent", "nodez"]);
  t.equal(unknown.code, 64);
  t.match(unknown.stderr, /^error: ANCLA_E_USAGE: ancla: unknown command "nodez"/);
  t.equal(unknown.stderr.trim().split("\n").length, 1, "one line");
});
