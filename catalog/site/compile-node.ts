// One node's catalog from a loaded site: classify, resolve the data
// hierarchy, then per module its parameters and resources, then the graph.
// Every problem found on the way is collected; any problem means no catalog.
import type { CompileResult, Facts, SiteProblem } from "../compile-seam.js";
import { SecretDirectory } from "../secrets/directory.js";
import type { CatalogBody, Probe } from "../model.js";
import type { ArtifactLookup } from "./artifact.js";
import { classify } from "./classify.js";
import { link, type Declared, type Relation } from "./graph.js";
import { nodeData } from "./hierarchy.js";
import { ownNames } from "./host-local.js";
import { instantiate } from "./instantiate.js";
import { instantiateProbes, type DeclaredProbe } from "./instantiate-probes.js";
import { resolveParams } from "./params.js";
import { bind, nodeScope } from "./scope.js";
import type { Site } from "./site.js";
import type { Sink } from "./value.js";
import type { SecretBinding } from "./bind-secrets.js";
import { formatWhere } from "./yaml-file.js";

/** What a compile reads besides the site and the facts: the server's artifacts and secrets (none when masterless). */
export interface NodeInputs {
  artifacts?: ArtifactLookup;
  secrets?: SecretDirectory;
}

export async function compileNode(site: Site, version: string, certname: string, facts: Facts, { artifacts, secrets }: NodeInputs = {}): Promise<CompileResult> {
  const problems: SiteProblem[] = [...site.problems];
  const report: Sink = (where, message) => problems.push({ ...where, message });
  const warnings: SiteProblem[] = [];
  const warn: Sink = (where, message) => warnings.push({ ...where, message });
  const contents = new Map<string, Uint8Array>();
  const scope = nodeScope(certname, facts);
  const classes = classify(site.rules, certname, scope, report);
  const data = await nodeData(site, scope, problems, report);
  const withData = bind(scope, "data", data.json);
  const declared: Declared[] = [];
  const uncertain = new Set<string>();
  const probes: DeclaredProbe[] = [];
  const localOnly = site.settings.probes.localOnly ? ownNames(certname, facts) : undefined;
  const binding: SecretBinding = { directory: secrets ?? SecretDirectory.NONE, certname, environment: classes.environment, uses: new Map() };
  // One module at a time: the order of resources (and thus the catalog bytes) must not depend on I/O timing.
  for (const use of classes.modules) {
    const load = await site.module(use.name);
    if (load.kind === "missing") {
      report(use.where, `module ${use.name} not found: ${load.rel} does not exist`);
      continue;
    }
    const { module } = load;
    problems.push(...module.problems);
    // A wrong parameter is unknown, not the end of the module: its resources are still checked.
    const params = resolveParams(module, classes.params.get(module.name), data, scope, report);
    const moduleScope = bind(withData, "params", params.json, params.cel);
    declared.push(...(await instantiate({ module, contents, report, warn, artifacts, secrets: binding, unknown: params.unknown, uncertain }, moduleScope)));
    probes.push(...instantiateProbes({ module, report, unknown: params.unknown, localOnly }, moduleScope));
  }
  const edges = link(uncertain.size > 0 ? withoutUncertain(declared, uncertain) : declared, problems);
  const unique = uniqueProbes(probes, report);
  const found = warnings.length > 0 ? { warnings: forNode(certname, warnings) } : {};
  if (problems.length > 0) return { ok: false, problems: forNode(certname, problems), ...found };
  const body: CatalogBody = { certname, siteVersion: version, resources: declared.map((d) => d.resource!), edges };
  // Left out when there are none, so a catalog without probes keeps its bytes and digest.
  if (unique.length > 0) body.probes = unique;
  const uses = [...binding.uses].map(([name, version]) => ({ name, version })).sort((a, b) => (a.name < b.name ? -1 : 1));
  return { ok: true, body, contents, environment: classes.environment, ...(uses.length > 0 ? { secrets: uses } : {}), ...found };
}

/** The environment the site places a node in, without compiling it (its rules' problems are the compile's to report). */
export function environmentOf(site: Site, certname: string, facts: Facts): string {
  return classify(site.rules, certname, nodeScope(certname, facts), () => undefined).environment;
}

/** Probes by name: analysis and SLOs name them, so two of one name are a problem at the second. */
function uniqueProbes(probes: DeclaredProbe[], report: Sink): Probe[] {
  const seen = new Map<string, DeclaredProbe>();
  for (const d of probes) {
    const first = seen.get(d.probe.name);
    if (first) report(d.where, `probe ${d.probe.name} is declared twice for this node (first at ${formatWhere(first.where)})`);
    else seen.set(d.probe.name, d);
  }
  return [...seen.values()].map((d) => d.probe);
}

/**
 * A relation to an undeclared resource of a type that may have a resource
 * nobody could name (its title reads an unknown parameter) is not known to
 * dangle: it is left out of the graph checks. The compile fails anyway.
 */
function withoutUncertain(declared: Declared[], uncertain: ReadonlySet<string>): Declared[] {
  const refs = new Set(declared.map((d) => d.ref));
  const known = (r: Relation): boolean => refs.has(r.ref) || !uncertain.has(r.ref.slice(0, r.ref.indexOf(":")));
  return declared.map((d) => (d.relations.every(known) ? d : { ...d, relations: d.relations.filter(known) }));
}

/**
 * Each problem once (a loop repeats the same mistake per item), named after
 * the node, in reading order: the site's settings and rules, then files as
 * first met (data, modules), each top to bottom.
 */
function forNode(certname: string, problems: SiteProblem[]): SiteProblem[] {
  const fileOrder = new Map<string, number>([
    ["ancla.yaml", 0],
    ["nodes.yaml", 1],
  ]);
  for (const p of problems) if (!fileOrder.has(p.file)) fileOrder.set(p.file, fileOrder.size);
  const unique = new Map<string, SiteProblem>();
  for (const p of problems) unique.set(`${p.file}:${p.line}:${p.column}:${p.message}`, { ...p, message: `for node ${certname}: ${p.message}` });
  return [...unique.values()].sort((a, b) => fileOrder.get(a.file)! - fileOrder.get(b.file)! || a.line - b.line || a.column - b.column);
}
