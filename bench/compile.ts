// Compile benchmark: a generated site that uses the language the way real
// sites do (classification, typed params from the data hierarchy, for_each,
// when, interpolation, Liquid templates, relationships), compiled in-process
// on one core.
//   1. one node with 1,000 resources: p50 / p90 of repeated compiles
//   2. 1,000 nodes with 100 resources each: catalogs per second
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Facts } from "../catalog/compile-seam.js";
import { createSiteCompiler } from "../catalog/site/create-site-compiler.js";

/**
 * `modules` modules of 100 resources each: 10 declared one by one, 90 from a
 * for_each over a typed list param; the first `secretsPerModule` static files
 * of each module carry a secret of their own (`s_MODULE_I`).
 */
export function writeGeneratedSite(dir: string, modules: number, secretsPerModule = 0): void {
  mkdirSync(join(dir, "data"), { recursive: true });
  writeFileSync(join(dir, "ancla.yaml"), 'hierarchy: ["nodes/${node.name}.yaml", "os/${facts.os.family}.yaml", "common.yaml"]\n');
  const names = Array.from({ length: modules }, (_, m) => `mod${m}`);
  writeFileSync(join(dir, "nodes.yaml"), `nodes:\n  - match: "*"\n    modules: [${names.join(", ")}]\n`);
  const common = names.map((n) => `${n}.items: [${Array.from({ length: 90 }, (_, i) => `{name: "item${i}", port: ${8000 + i}}`).join(", ")}]`);
  writeFileSync(join(dir, "data/common.yaml"), common.join("\n") + "\n");
  for (const name of names) {
    const mdir = join(dir, "modules", name);
    mkdirSync(join(mdir, "templates"), { recursive: true });
    writeFileSync(join(mdir, "templates/conf.liquid"), "# {{ node.name }} {{ params.label }}\n{% for item in params.items limit: 5 %}{{ item.name }}={{ item.port }}\n{% endfor %}");
    const explicit = Array.from({ length: 9 }, (_, i) =>
      [
        "  - type: file",
        `    title: "/srv/${name}/\${node.name}/static${i}.conf"`,
        `    content: "static ${i} of ${name} on \${node.name} (\${facts.os.family})${i < secretsPerModule ? ` password=\${secret(\\"s_${name}_${i}\\")}` : ""}\\n"`,
        '    mode: "0644"',
        `    require: ["file:/srv/${name}/\${node.name}"]`,
      ].join("\n"),
    );
    writeFileSync(
      join(mdir, "module.yaml"),
      [
        "params:",
        "  label: { type: string, default: generated }",
        "  items: { type: list, of: { type: map }, default: [] }",
        "resources:",
        "  - type: file",
        `    title: "/srv/${name}/\${node.name}"`,
        "    ensure: directory",
        ...explicit,
        "  - type: file",
        "    for_each: params.items",
        `    title: "/srv/${name}/\${node.name}/\${each.name}.conf"`,
        "    template: conf.liquid",
        '    mode: "0640"',
        "    when: 'facts.os.family == \"debian\"'",
        "",
      ].join("\n"),
    );
  }
}

export function facts(i: number): Facts {
  return { os: { family: "debian", release: "12" }, hostname: `node-${i}`, cpu: { count: 2 }, networking: { ip: `10.0.${i >> 8}.${i & 255}` } };
}

export const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

export async function benchCompile(opts: { repeats: number; nodes: number }): Promise<Record<string, number>> {
  const base = mkdtempSync(join(tmpdir(), "ancla-bench-compile-"));
  try {
    const big = join(base, "big");
    writeGeneratedSite(big, 10);
    const bigCompiler = createSiteCompiler(big);
    const first = await bigCompiler.compile("big-node", facts(0));
    if (!first.ok) throw new Error(`generated site does not compile: ${JSON.stringify(first.problems.slice(0, 3))}`);
    const times: number[] = [];
    for (let i = 0; i < opts.repeats; i++) {
      const t0 = performance.now();
      const r = await bigCompiler.compile(`big-node-${i}`, facts(i));
      times.push(performance.now() - t0);
      if (!r.ok) throw new Error("compile failed");
    }

    const fleet = join(base, "fleet");
    writeGeneratedSite(fleet, 1);
    const fleetCompiler = createSiteCompiler(fleet);
    await fleetCompiler.compile("warm-up", facts(0));
    const t0 = performance.now();
    let resources = 0;
    for (let i = 0; i < opts.nodes; i++) {
      const r = await fleetCompiler.compile(`node-${String(i).padStart(4, "0")}`, facts(i));
      if (!r.ok) throw new Error("compile failed");
      resources += r.body.resources.length;
    }
    const seconds = (performance.now() - t0) / 1000;
    return {
      big_catalog_resources: first.body.resources.length,
      big_compile_p50_ms: percentile(times, 0.5),
      big_compile_p90_ms: percentile(times, 0.9),
      fleet_nodes: opts.nodes,
      fleet_resources_per_catalog: resources / opts.nodes,
      fleet_catalogs_per_s: opts.nodes / seconds,
    };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
