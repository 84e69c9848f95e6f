// `ancla report show` lists every warning and error of a run. The built agent
// runs against a real server (this process) whose site does not compile for
// it, so it has no catalog at all, with a facts file it cannot use (a
// warning); the built `ancla` then shows the report the server stored. Before
// the report's levels were an enum, the agent wrote "warning" and "err" and
// report show kept only "error" and "warn": it showed neither.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { certificateFingerprint } from "../../pki/fingerprint.js";
import { logLevelWords } from "../../proto/report-words.js";
import { cli } from "../helpers/processes.js";
import { tempDir } from "./_helpers.js";
import { startRealServer } from "./_server.js";

interface ReportJson {
  status?: string;
  logs?: { level?: string; code?: string; message?: string }[];
}

t.test("a failed run with no catalog: report show lists its warning and its errors", async (t) => {
  const server = await startRealServer(t);
  writeFileSync(join(server.site, "nodes.yaml"), "nodes:\n  - match: '*'\n    modules: [missing]\n");
  const dir = tempDir(t);
  const facts = join(dir, "facts.d");
  mkdirSync(facts);
  writeFileSync(join(facts, "role.json"), "[1, 2]\n");
  const caFile = join(dir, "ca.crt");
  writeFileSync(caFile, server.ca.certPem);

  const token = await server.api("POST", "/api/v1/tokens", { body: "{}" });
  t.equal(token.status, 201);
  const stateDir = join(dir, "agent");
  const fingerprint = certificateFingerprint(server.ca.certPem);
  const enrolment = ["--server", server.grpc, "--ca-fingerprint", fingerprint, "--certname", "web-01", "--state-dir", stateDir];
  const boot = await cli("agent", ["bootstrap", ...enrolment, "--token", (token.body as { token: string }).token]);
  t.equal(boot.code, 0, boot.stderr);

  const run = await cli("agent", ["run", "--once", "--json", "--state-dir", stateDir, "--facts-dir", facts]);
  t.equal(run.code, 4, "a run without a catalog fails");
  const sent = JSON.parse(run.stdout) as ReportJson;
  t.equal(sent.status, "failed");
  t.same(
    sent.logs?.map((l) => [l.level, l.code]),
    [
      ["warning", "ANCLA_E_CONFIG"],
      ["error", "ANCLA_E_COMPILE"],
      ["error", "ANCLA_E_NO_CATALOG"],
    ],
  );
  const words: readonly string[] = logLevelWords.words;
  t.ok(
    sent.logs?.every((l) => l.level !== undefined && words.includes(l.level)),
    "every line has one of the levels",
  );

  const noEnv = { ANCLA_URL: "", ANCLA_TOKEN: "", ANCLA_CA_FILE: "" };
  const shown = await cli("ancla", ["report", "show", "web-01", "--url", server.url, "--token", server.adminToken, "--ca-file", caFile], { env: noEnv });
  t.equal(shown.code, 0, shown.stderr);
  t.match(shown.stdout, /^run \S+ on web-01: failed\n/);
  const problems = shown.stdout.split("\n").filter((l) => /^(warning|error): /.test(l));
  t.match(problems, [/^warning: ANCLA_E_CONFIG: .*external fact .*role\.json: facts must be a mapping/, /^error: ANCLA_E_COMPILE: .*missing/, /^error: ANCLA_E_NO_CATALOG: /]);
  t.equal(problems.length, 3, "each line once");
  t.notOk(
    problems.some((l) => /(ANCLA_E_\w+): \1:/.test(l)),
    "each with its code once, not CODE: CODE:",
  );
});
