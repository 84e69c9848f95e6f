// `ancla-server fingerprint` prints the whole CA fingerprint init printed, any time later.
import { join } from "node:path";
import t from "tap";
import { cli } from "../helpers/processes.js";
import { tempDir } from "./_helpers.js";

t.test("fingerprint prints the CA fingerprint of a data dir, whole, as text or JSON", async (t) => {
  const dataDir = join(tempDir(t), "server");
  const init = await cli("server", ["init", "--data-dir", dataDir, "--hostname", "localhost", "--json"]);
  t.equal(init.code, 0, init.stderr);
  const { caFingerprint } = JSON.parse(init.stdout) as { caFingerprint: string };

  const text = await cli("server", ["fingerprint", "--data-dir", dataDir]);
  t.equal(text.code, 0, text.stderr);
  t.equal(text.stdout, `${caFingerprint}\n`);
  t.match(text.stdout, /^SHA256:([0-9A-F]{2}:){31}[0-9A-F]{2}\n$/, "all 32 bytes");

  const json = await cli("server", ["fingerprint", "--data-dir", dataDir, "--json"]);
  t.same(JSON.parse(json.stdout), { caCert: join(dataDir, "ca", "ca.crt"), caFingerprint });
});

t.test("a data dir without a CA is one clear line and a non-zero exit", async (t) => {
  const res = await cli("server", ["fingerprint", "--data-dir", join(tempDir(t), "empty")]);
  t.not(res.code, 0);
  t.match(res.stderr, /^error: ANCLA_E_CA_MISSING: \S+ not found \(no CA in this data dir; run `ancla-server init` first\)\n$/);
  t.equal(res.stdout, "");
});
