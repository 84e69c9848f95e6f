// core/config.ts, the one loader of the config files: a file read against
// its schema gives typed, scaled values with the defaults filled in, or one
// error naming the file, the position, the key and what is wrong; an unknown
// key is refused with the known ones listed, never taken as the default.
import t, { type Test } from "tap";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, settingsTable, type ConfigSchema } from "../../core/config.js";

const SCHEMA = {
  name: { field: "name", type: "string", description: "what it is called" },
  workers: { field: "workers", type: "integer", min: 1, max: 8, default: 2, description: "how many at once" },
  idle_timeout_seconds: { field: "idleTimeoutMs", type: "integer", min: 1, scale: 1000, default: 120, description: "seconds before an idle one is closed" },
  splay: { field: "splay", type: "number", min: 0, description: "seconds of random delay" },
} as const satisfies ConfigSchema;

function fileWith(t: Test, name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "ancla-config-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

t.test("a file gives typed values, scaled to the field's unit, the defaults filling the rest", async (t) => {
  const file = fileWith(t, "a.yaml", "name: web\nidle_timeout_seconds: 30\nsplay: 0.5\n");
  const config: { name?: string; workers: number; idleTimeoutMs: number; splay?: number } = loadConfig(file, SCHEMA);
  t.same(config, { name: "web", workers: 2, idleTimeoutMs: 30_000, splay: 0.5 });
  t.same(loadConfig(fileWith(t, "b.yaml", "# only comments\n#workers: 4\n"), SCHEMA), { workers: 2, idleTimeoutMs: 120_000 }, "comments only: the defaults, scaled");
  t.same(loadConfig(fileWith(t, "c.yaml", "workers:\n"), SCHEMA), { workers: 2, idleTimeoutMs: 120_000 }, "a key without a value is as if absent");
});

t.test("an unknown key is refused at its position, with the known keys listed", async (t) => {
  const file = fileWith(t, "a.yaml", "name: web\nworkerz: 4\n");
  t.throws(() => loadConfig(file, SCHEMA), { code: "ANCLA_E_CONFIG", message: `${file}:2:1: unknown setting "workerz" (known: name, workers, idle_timeout_seconds, splay)` });
});

t.test("a wrong type or a value out of range is refused at the value, naming the key and what it got", async (t) => {
  const refused = (text: string) => {
    const file = fileWith(t, "a.yaml", text);
    return { file, load: () => loadConfig(file, SCHEMA) };
  };
  const cases: [string, string][] = [
    ["workers: lots\n", `:1:10: workers must be a whole number, got "lots"`],
    ["workers: 1.5\n", `:1:10: workers must be a whole number, got 1.5`],
    ["workers: 0\n", `:1:10: workers must be a whole number from 1 to 8, got 0`],
    ["name: web\nworkers: 9\n", `:2:10: workers must be a whole number from 1 to 8, got 9`],
    ["splay: -5\n", `:1:8: splay must be a number from 0, got -5`],
    ["splay: [1]\n", `:1:8: splay must be a number, got [1]`],
    ["name: 8140\n", `:1:7: name must be a non-empty string, got 8140`],
    ['name: ""\n', `:1:7: name must be a non-empty string, got ""`],
  ];
  for (const [text, message] of cases) {
    const { file, load } = refused(text);
    t.throws(load, { code: "ANCLA_E_CONFIG", message: file + message }, JSON.stringify(text));
  }
});

t.test("broken YAML, a file that is not a mapping and a missing file are errors naming the file", async (t) => {
  const broken = fileWith(t, "a.yaml", "name: web\nname: api\n");
  t.throws(() => loadConfig(broken, SCHEMA), { code: "ANCLA_E_CONFIG", message: `cannot read ${broken}:2:1: Map keys must be unique` });
  const twoDocs = fileWith(t, "b.yaml", "name: web\n---\nname: api\n");
  t.throws(() => loadConfig(twoDocs, SCHEMA), { message: `cannot read ${twoDocs}:2:1: a config file holds a single YAML document (remove the extra \`---\`)` });
  const list = fileWith(t, "c.yaml", "- name\n");
  t.throws(() => loadConfig(list, SCHEMA), { code: "ANCLA_E_CONFIG", message: `${list}:1:1: expected a mapping of settings (key: value)` });
  const absent = join(broken, "..", "absent.yaml");
  t.throws(() => loadConfig(absent, SCHEMA), { code: "ANCLA_E_CONFIG", message: `cannot read ${absent}: ENOENT: no such file or directory` });
  t.same(loadConfig(absent, SCHEMA, { missingIsEmpty: true }), { workers: 2, idleTimeoutMs: 120_000 }, "unless a missing file may stand for an empty one");
});

t.test("a JSON file is read the same way, with positions", async (t) => {
  const file = fileWith(t, "a.json", '{\n  "name": "web",\n  "workers": "4"\n}\n');
  t.throws(() => loadConfig(file, SCHEMA), { code: "ANCLA_E_CONFIG", message: `${file}:3:14: workers must be a whole number, got "4"` });
});

t.test("a required setting that is absent is an error naming it and what it is", async (t) => {
  const schema = { site: { field: "site", type: "string", required: true, description: "the site directory" } } as const satisfies ConfigSchema;
  const file = fileWith(t, "a.json", "{}\n");
  t.throws(() => loadConfig(file, schema), { code: "ANCLA_E_CONFIG", message: `${file}: site must be set (the site directory)` });
  const site: string = loadConfig(fileWith(t, "b.json", '{"site": "/srv/site"}'), schema).site;
  t.equal(site, "/srv/site");
});

t.test("the schema renders the table of settings for the docs", async (t) => {
  t.equal(
    settingsTable(SCHEMA),
    [
      "| Setting | Default | What it is |",
      "|---|---|---|",
      "| `name` | — | what it is called |",
      "| `workers` | `2` | how many at once |",
      "| `idle_timeout_seconds` | `120` | seconds before an idle one is closed |",
      "| `splay` | — | seconds of random delay |",
    ].join("\n"),
  );
});
