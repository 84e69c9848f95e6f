// Every fact of this host: core facts, then external ones from the facts
// directory over them (external.ts says why they win).
import type { Facts } from "../../catalog/compile-seam.js";
import { collectCoreFacts } from "./core.js";
import { collectExternalFacts } from "./external.js";

export interface CollectedFacts {
  facts: Facts;
  /** External fact files that gave nothing, one line each; the run logs them as warnings. */
  problems: string[];
}

export async function collectFacts(factsDir: string): Promise<CollectedFacts> {
  const [core, external] = await Promise.all([collectCoreFacts(), collectExternalFacts(factsDir)]);
  return { facts: { ...core, ...external.facts }, problems: external.problems };
}
