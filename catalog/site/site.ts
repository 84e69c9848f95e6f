// A site as read at one version: parsed and compiled once, then shared by
// every node's compile. ancla.yaml and nodes.yaml are read up front; modules
// and data files when a node first needs them, each once.
import type { SiteProblem } from "../compile-seam.js";
import { CelCache } from "../expr/cel.js";
import { loadDataFile, type DataFile } from "./data-file.js";
import { loadModule, type ModuleLoad } from "./module.js";
import { readRules, type Rule } from "./rules.js";
import { SharedLoads } from "./shared-loads.js";
import { loadSettings, type Settings } from "./settings.js";
import { loadYaml, problemAtStart } from "./yaml-file.js";

export interface Site {
  settings: Settings;
  rules: Rule[];
  /** Problems of ancla.yaml and nodes.yaml: every node's compile reports them. */
  problems: SiteProblem[];
  module(name: string): Promise<ModuleLoad>;
  /** `rel` is relative to data/. */
  dataFile(rel: string): Promise<DataFile>;
  /** Every read from disk after the first load goes through here. */
  loads: SharedLoads;
}

export async function loadSite(root: string): Promise<Site> {
  const cel = new CelCache();
  const loads = new SharedLoads();
  const settings = await loadSettings(root, cel);
  const problems = [...settings.problems];
  const rules = await loadRules(root, cel, problems);
  const modules = new Map<string, Promise<ModuleLoad>>();
  const dataFiles = new Map<string, Promise<DataFile>>();
  return {
    settings,
    rules,
    problems,
    module: (name) => loads.once(modules, name, () => loadModule(root, name, cel, loads)),
    dataFile: (rel) => loads.once(dataFiles, rel, () => loadDataFile(root, `data/${rel}`, cel)),
    loads,
  };
}

async function loadRules(root: string, cel: CelCache, problems: SiteProblem[]): Promise<Rule[]> {
  const nodes = await loadYaml(root, "nodes.yaml");
  if (nodes.kind === "missing") {
    problems.push(problemAtStart("nodes.yaml", "nodes.yaml is missing: the site needs one to classify nodes"));
    return [];
  }
  if (nodes.kind === "invalid") {
    problems.push(...nodes.problems);
    return [];
  }
  return readRules(nodes.file, cel, problems);
}
