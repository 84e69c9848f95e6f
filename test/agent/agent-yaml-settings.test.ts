// agent.yaml: a typo or a value out of range is an error naming the file, the
// position and the key (it used to be ignored, or accepted: run_intervall,
// run_interval: -5); flags win over the file and the file over the enrollment;
// the packaged file and the README show the schema's keys and defaults.
import t, { type Test } from "tap";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { settingsTable } from "../../core/config.js";
import { AGENT_YAML, DEFAULT_FACTS_DIR, enrollmentPath, loadSettings } from "../../agent/settings.js";
import { ROOT } from "../helpers/processes.js";

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), "ancla-agent-settings-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test("a misspelt key or a value out of range is refused, naming the file, the position and the key", async (t) => {
  const config = join(tempDir(t), "agent.yaml");
  const load = (text: string) => {
    writeFileSync(config, text);
    return () => loadSettings({ config });
  };
  t.throws(load("splay: 0\nrun_intervall: 60\n"), { code: "ANCLA_E_CONFIG", message: `${config}:2:1: unknown setting "run_intervall" (known: server, certname, run_interval,` });
  t.throws(load("run_interval: -5\n"), { code: "ANCLA_E_CONFIG", message: `${config}:1:15: run_interval must be a number from 1, got -5` });
  t.throws(load("run_interval: 0\n"), { code: "ANCLA_E_CONFIG", message: "run_interval must be a number from 1, got 0" });
  t.throws(load("timeout: 30s\n"), { code: "ANCLA_E_CONFIG", message: `${config}:1:10: timeout must be a number, got "30s"` });
  t.throws(load("state_dir: 7\n"), { code: "ANCLA_E_CONFIG", message: "state_dir must be a non-empty string, got 7" });
});

t.test("a --config file must exist", async (t) => {
  const config = join(tempDir(t), "absent.yaml");
  t.throws(() => loadSettings({ config }), { code: "ANCLA_E_CONFIG", message: `cannot read ${config}: ENOENT` });
});

t.test("defaults < the enrollment < the file < flags", async (t) => {
  const dir = tempDir(t);
  const stateDir = join(dir, "state");
  const config = join(dir, "agent.yaml");
  writeFileSync(config, `state_dir: ${stateDir}\nserver: file.example.org:8140\nsplay: 0\n`);
  t.same(loadSettings({ config }), {
    stateDir,
    server: "file.example.org:8140",
    certname: undefined,
    runInterval: 1800,
    splay: 0,
    timeout: 30,
    renewBeforeDays: 30,
    factsDir: DEFAULT_FACTS_DIR,
    healthWindow: 10,
  });
  mkdirSync(stateDir);
  writeFileSync(enrollmentPath(stateDir), JSON.stringify({ server: "enrolled.example.org:8140", certname: "web-01", caFingerprint: "SHA256:AB" }));
  const fromFile = loadSettings({ config });
  t.equal(fromFile.server, "file.example.org:8140", "the file's server wins over the enrollment's");
  t.equal(fromFile.certname, "web-01", "the enrollment's certname when the file has none");
  const fromFlags = loadSettings({ config, server: "flag.example.org:8140", certname: "web-02", factsDir: "/srv/facts", stateDir: join(dir, "other") });
  t.match(fromFlags, { server: "flag.example.org:8140", certname: "web-02", factsDir: "/srv/facts", stateDir: join(dir, "other") }, "flags win over the file");
});

t.test("the packaged agent.yaml shows each key commented, with its default", async (t) => {
  const packaged = readFileSync(join(ROOT, "packaging/deb/ancla-agent/agent.yaml"), "utf8");
  const shown = [...packaged.matchAll(/^#(\w+): (.*)$/gm)].map(([, key, value]) => [key, value]);
  t.same(shown.map(([key]) => key).sort(), Object.keys(AGENT_YAML).sort(), "every key, nothing else");
  for (const [key, value] of shown) {
    const setting = AGENT_YAML[key as keyof typeof AGENT_YAML];
    if ("default" in setting) t.equal(value, String(setting.default), `${key}: its default`);
  }
  const uncommented = join(tempDir(t), "agent.yaml");
  writeFileSync(uncommented, packaged.replace(/^#(\w+:)/gm, "$1"));
  t.doesNotThrow(() => loadSettings({ config: uncommented }), "each value shown is valid");
});

t.test("the README's table of agent settings is the schema's", async (t) => {
  t.ok(readFileSync(join(ROOT, "README.md"), "utf8").includes(settingsTable(AGENT_YAML) + "\n"), "README.md holds settingsTable(AGENT_YAML); paste it there after a change");
});
