// The agent as it ships: an ASCII bundle split into chunks that converges a
// catalog file, and a masterless `apply --catalog` that loads neither fact
// gathering, X.509, gRPC nor the site language (start-up is part of every run).
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import t from "tap";
import { asciiOnly, bundleAgent } from "../../packaging/bundle-agent.js";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "../..");

function catalogFile(dir: string): string {
  const file = join(dir, "catalog.json");
  const target = join(dir, "hello.txt");
  writeFileSync(file, JSON.stringify({ certname: "bundle-test", resources: [{ type: "file", title: target, properties: { ensure: "file", content: "hi\n" } }], edges: [] }));
  return file;
}

t.test("asciiOnly escapes what esbuild leaves in regular expressions, keeping their meaning", async (t) => {
  const source = 'const r = /[àé]+/g; const s = "ça"; const astral = /😀/u;';
  const escaped = asciiOnly(source);
  t.notMatch(escaped, /[^\x00-\x7f]/);
  const [r, s, astral] = new Function(`${escaped} return [r, s, astral];`)() as [RegExp, string, RegExp];
  t.same("xàéx".match(r), ["àé"]);
  t.equal(s, "ça");
  t.ok(astral.test("a😀b"));
});

t.test("the bundle is ASCII (V8 keeps it one byte per character), split, and converges a catalog file", async (t) => {
  const dir = t.testdir();
  const { entry, files } = await bundleAgent(join(dir, "bundle"));
  t.same(readdirSync(join(dir, "bundle")).sort(), [...files.keys()].sort(), "the files it names are the files it wrote");
  t.ok(files.size > 2, "split into chunks at the CLI's dynamic imports");
  for (const name of files.keys()) t.notMatch(readFileSync(join(dir, "bundle", name), "latin1"), /[^\x00-\x7f]/, `${name}: no byte above 0x7f`);
  const args = [entry, "apply", "--catalog", catalogFile(dir), "--state-dir", join(dir, "state")];
  const first = await run(process.execPath, args).catch((e: { code: number; stdout: string }) => e);
  t.equal((first as { code?: number }).code, 2, "first run changed the file (exit 2)");
  t.equal(readFileSync(join(dir, "hello.txt"), "utf8"), "hi\n");
  const again = await run(process.execPath, args);
  t.match(again.stdout, /unchanged/);
});

t.test("apply --catalog loads no facts, X.509, gRPC or site language", async (t) => {
  const dir = t.testdir();
  const log = join(dir, "loaded.txt");
  const hooks = join(dir, "hooks.mjs");
  // A resolve hook records every module the process loads (hooks run in their own thread, so they append to a file).
  writeFileSync(
    hooks,
    `import { appendFileSync } from "node:fs";\nexport async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(${JSON.stringify(log)}, r.url + "\\n"); return r; }\n`,
  );
  const register = `data:text/javascript,import { register } from "node:module"; register(${JSON.stringify(pathToFileURL(hooks).href)});`;
  writeFileSync(log, "");
  const applied = await run(process.execPath, ["--import", register, join(ROOT, "dist/agent/cli/main.js"), "apply", "--catalog", catalogFile(dir), "--state-dir", join(dir, "state")]).then(
    () => ({ code: 0 }),
    (e: { code: number }) => e,
  );
  t.equal(applied.code, 2, "the run itself changed the file");
  const loaded = readFileSync(log, "utf8");
  t.match(loaded, /agent\/engine\/apply\.js/, "the hook saw the engine load");
  for (const heavy of ["node-forge", "@grpc/grpc-js", "@bufbuild/cel", "liquidjs", "agent/facts/", "catalog/site/", "pki/"]) {
    t.notMatch(loaded, heavy, `${heavy} is not loaded`);
  }
});
