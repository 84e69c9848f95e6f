// Reviewing a site that names server artifacts, outside the server: with a
// server configured, `ancla site validate`, `catalog compile` and `catalog
// diff` look the artifacts up in its store (and an unknown one is a problem
// at its key); with none, they compile with a placeholder digest and say so,
// rather than failing a review on a laptop.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { startFleet } from "../helpers/fleet.js";
import { cli, workDir } from "../helpers/processes.js";

function writeSite(dir: string, version: string): void {
  mkdirSync(join(dir, "modules/app"), { recursive: true });
  writeFileSync(join(dir, "nodes.yaml"), 'nodes:\n  - match: "*"\n    modules: [app]\n');
  writeFileSync(join(dir, "modules/app/module.yaml"), `resources:\n  - type: image\n    title: app\n    artifact: app@${version}\n    path: /opt/app\n`);
}

t.test("artifact references in a site under review", async (t) => {
  const base = workDir(t);
  const [v1Site, v2Site, unknownSite] = ["v1", "v2", "unknown"].map((d) => join(base, d));
  writeSite(v1Site, "1.0.0");
  writeSite(v2Site, "2.0.0");
  writeSite(unknownSite, "9.9.9");
  const fleet = await startFleet(base, v1Site);
  t.teardown(() => fleet.stop());
  const image = join(base, "app.tar");
  writeFileSync(image, "not really a tar, but bytes with a digest");
  for (const version of ["1.0.0", "2.0.0"]) {
    const pushed = await fleet.ancla(["artifact", "push", image, "--name", "app", "--version", version, "--json"]);
    t.equal(pushed.code, 0, pushed.stderr);
  }
  const digest = (JSON.parse((await fleet.ancla(["artifact", "list", "--json"])).stdout) as { artifacts: { sha256: string }[] }).artifacts[0].sha256;

  t.test("with the server: the digests come from its store", async (t) => {
    const validate = await fleet.ancla(["site", "validate", v1Site, "--node", "web-01"]);
    t.equal(validate.code, 0, validate.stderr);
    t.notMatch(validate.stderr, /not checked/);
    const compiled = await fleet.ancla(["catalog", "compile", "--site", v1Site, "--node", "web-01", "--json"]);
    t.equal(compiled.code, 0, compiled.stderr);
    t.match(compiled.stdout, new RegExp(`"content_sha256": "${digest}"`));
    const diff = await fleet.ancla(["catalog", "diff", "--site", v1Site, "--from", v1Site, "--to", v2Site, "--node", "web-01"]);
    t.equal(diff.code, 2, "the artifact's version changed");
    t.match(diff.stdout, /artifact/);
  });

  t.test("with the server: an artifact it does not have is a problem at its key", async (t) => {
    const validate = await fleet.ancla(["site", "validate", unknownSite, "--node", "web-01"]);
    t.equal(validate.code, 1);
    t.match(validate.stdout, /module\.yaml:\d+:\d+: .*no artifact app@9\.9\.9 .*ancla artifact push FILE --name app --version 9\.9\.9/);
  });

  t.test("without a server: placeholder digests, said once per artifact", async (t) => {
    const noServer = { ANCLA_URL: "", ANCLA_TOKEN: "", ANCLA_CA_FILE: "" };
    const dataDir = ["--data-dir", join(base, "no-such-server")];
    const validate = await cli("ancla", ["site", "validate", unknownSite, "--node", "web-01", ...dataDir], { env: noServer });
    t.equal(validate.code, 0, validate.stderr);
    t.match(validate.stderr, /note: artifact app@9\.9\.9 not checked: no server/);
    const compiled = await cli("ancla", ["catalog", "compile", "--site", v1Site, "--node", "web-01", "--json", ...dataDir], { env: noServer });
    t.equal(compiled.code, 0, compiled.stderr);
    t.match(compiled.stdout, /"content_sha256": "0{64}"/);
    t.equal(compiled.stderr.match(/not checked/g)?.length, 1, "one note for the one artifact");
  });
});
