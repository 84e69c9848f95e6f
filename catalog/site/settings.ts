// ancla.yaml: the site's settings. Optional; it holds the data hierarchy (a
// list of paths under data/ interpolated per node) and how releases spread
// through environments (delivery.ts).
import { isScalar } from "yaml";
import type { SiteProblem } from "../compile-seam.js";
import type { CelCache } from "../expr/cel.js";
import { DELIVERY_KEYS, emptyDelivery, readDelivery, type DeliveryPolicy } from "./delivery.js";
import { describe, Reader, type Field } from "./reader.js";
import { isEmpty } from "./settings-values.js";
import { compileValue, type Value } from "./value.js";
import { loadYaml, type Where } from "./yaml-file.js";

export interface Settings {
  /** Most specific first; each a path under data/. */
  hierarchy: Value[];
  delivery: DeliveryPolicy;
  /** `probes: { local_only: true }`: a probe may only reach the host it runs on (host-local.ts). */
  probes: { localOnly: boolean };
  problems: SiteProblem[];
}

/** Hiera's default: without ancla.yaml, data comes from data/common.yaml alone. */
const DEFAULT_HIERARCHY = "common.yaml";
const AT_START: Where = { file: "ancla.yaml", line: 1, column: 1 };

export async function loadSettings(siteDir: string, cel: CelCache): Promise<Settings> {
  const defaults: Value[] = [{ kind: "constant", value: DEFAULT_HIERARCHY, where: AT_START }];
  const none = { hierarchy: defaults, delivery: emptyDelivery(), probes: { localOnly: false } };
  const loaded = await loadYaml(siteDir, "ancla.yaml");
  if (loaded.kind === "missing") return { ...none, problems: [] };
  if (loaded.kind === "invalid") return { ...none, problems: loaded.problems };
  const problems: SiteProblem[] = [];
  const reader = new Reader(loaded.file, problems);
  const root = loaded.file.doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return { ...none, problems };
  const top = reader.map(root, "ancla.yaml", root);
  const fields = top && reader.fields(top, ["hierarchy", ...DELIVERY_KEYS, "probes"]);
  if (!fields) return { ...none, problems };
  const delivery = readDelivery(reader, fields);
  const probes = readProbeSettings(reader, fields.get("probes"));
  const field = fields.get("hierarchy");
  if (!field) return { hierarchy: defaults, delivery, probes, problems };
  const list = reader.seq(field.value, "`hierarchy`", field.key);
  const hierarchy: Value[] = [];
  for (const item of list?.items ?? []) {
    const node = reader.resolve(item);
    if (reader.string(node, "a hierarchy level", list) === undefined) continue;
    const level = compileValue({ reader, cel }, node, list);
    if (level) hierarchy.push(level);
  }
  return { hierarchy, delivery, probes, problems };
}

function readProbeSettings(reader: Reader, field: Field | undefined): Settings["probes"] {
  const map = field && !isEmpty(field.value) ? reader.map(field.value, "`probes`", field.key) : undefined;
  const localOnly = map && reader.fields(map, ["local_only"]).get("local_only");
  if (!localOnly) return { localOnly: false };
  const value = isScalar(localOnly.value) ? localOnly.value.value : undefined;
  if (typeof value !== "boolean") reader.report(localOnly.value ?? localOnly.key, `\`probes.local_only\` must be true or false, not ${describe(localOnly.value)}`);
  return { localOnly: value === true };
}
