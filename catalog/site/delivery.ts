// ancla.yaml's `environments:` and `strategies:`: how a new release spreads
// through each environment. Read here, in the site language, so that a wrong
// strategy is a site problem at its file:line:column like any other (every
// node's compile reports it), and read again by the server, which runs the
// rollouts, from the same code.
import { isMap, isScalar, type Node, type YAMLMap } from "yaml";
import { readAnalysis, type AnalysisTemplate } from "./analysis.js";

type AnalysisRead = ReturnType<typeof readAnalysis>;
import type { Reader, Field } from "./reader.js";
import { readSlos, type Slo } from "./slos.js";
import { duration, entries, integer, isEmpty, oneOf } from "./settings-values.js";
import { ENVIRONMENT_NAME } from "./rules.js";
import { whereOf, type Where } from "./yaml-file.js";

export type RolloutStep =
  /** Move nodes until this many are on the target release in all. */
  | { kind: "nodes"; count: number }
  /** Move nodes until this share of the environment is on the target release. */
  | { kind: "percent"; percent: number }
  /** Bake: stay for this long while the gates are evaluated. */
  | { kind: "wait"; seconds: number }
  /** Wait for a person's go (`ancla rollout approve`). */
  | { kind: "approve" };

export type FailedRunsLimit = { count: number } | { percent: number };

export interface RolloutGates {
  /** Moved nodes whose run on the target release failed, above which the gate fails (0: any failed run fails it). */
  failedRuns: FailedRunsLimit;
  /** An image resource that rolled back on a moved node fails the gate. */
  imageRollback: boolean;
  /** A moved node that has not reported a run on the target release this long after it was moved fails the gate. */
  reportWithinSeconds: number;
  /**
   * The `analysis:` template comparing the moved nodes with the control
   * while the rollout spreads: the template itself, so a rollout keeps the
   * one it started with whatever the site says later.
   */
  analysis?: AnalysisTemplate;
}

export type OnFailure = "rollback" | "pause";

export interface Strategy {
  name: string;
  steps: RolloutStep[];
  gates: RolloutGates;
  onFailure: OnFailure;
  where: Where;
}

export interface EnvironmentPolicy {
  /** The strategy's name; none: the environment takes each new release at once. */
  strategy?: string;
  /** No rollout starts while an SLO over its nodes has spent its error budget (an admin may override, with a reason). */
  freezeOnExhaustedBudget?: boolean;
  where: Where;
}

export interface DeliveryPolicy {
  environments: Map<string, EnvironmentPolicy>;
  strategies: Map<string, Strategy>;
  analysis: Map<string, AnalysisTemplate>;
  slos: Map<string, Slo>;
}

export const DELIVERY_KEYS = ["environments", "strategies", "analysis", "slos"] as const;

const STEP_KINDS = ["nodes", "percent", "wait", "approve"] as const;
const GATE_KEYS = ["failed_runs", "image_rollback", "report_within", "analysis"] as const;
const STRATEGY_KEYS = ["steps", "gates", "on_failure"] as const;
/** A node that has not reported in this long after it was asked to move is not healthy: it is a failure, not a wait. */
const DEFAULT_REPORT_WITHIN_SECONDS = 600;
const DEFAULT_GATES: RolloutGates = { failedRuns: { count: 0 }, imageRollback: true, reportWithinSeconds: DEFAULT_REPORT_WITHIN_SECONDS };
const STRATEGY_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export function emptyDelivery(): DeliveryPolicy {
  return { environments: new Map(), strategies: new Map(), analysis: new Map(), slos: new Map() };
}

/** The strategy an environment follows, if it names one. */
export function strategyOf(policy: DeliveryPolicy, environment: string): Strategy | undefined {
  const name = policy.environments.get(environment)?.strategy;
  return name === undefined ? undefined : policy.strategies.get(name);
}

/** Reads the two sections from ancla.yaml's top-level fields; problems go to `reader`. */
export function readDelivery(reader: Reader, fields: Map<string, Field>): DeliveryPolicy {
  const policy = emptyDelivery();
  // Templates first: a strategy's `analysis` gate names one.
  const analysis = readAnalysis(reader, fields.get("analysis"));
  policy.analysis = analysis.templates;
  policy.slos = readSlos(reader, fields.get("slos"));
  const strategies = fields.get("strategies");
  if (strategies) {
    for (const [name, key, value] of entries(reader, strategies, "`strategies`")) {
      if (!STRATEGY_NAME.test(name)) reader.report(key, `strategy name "${name}" must be lowercase letters, digits, - and _ (at most 63)`);
      const strategy = readStrategy(reader, analysis, name, key, value);
      if (strategy) policy.strategies.set(name, strategy);
    }
  }
  const environments = fields.get("environments");
  if (environments) {
    for (const [name, key, value] of entries(reader, environments, "`environments`")) {
      if (!ENVIRONMENT_NAME.test(name)) reader.report(key, `environment name "${name}" must be lowercase letters, digits and - (at most 63)`);
      policy.environments.set(name, readEnvironment(reader, policy, name, key, value));
    }
  }
  return policy;
}

function readEnvironment(reader: Reader, policy: DeliveryPolicy, name: string, key: Node, value: Node | null): EnvironmentPolicy {
  const where = whereOf(reader.file, key);
  if (isEmpty(value)) return { where };
  const map = reader.map(value, `environment ${name}`, key);
  const fields = map && reader.fields(map, ["strategy", "freeze_on_exhausted_budget"]);
  const env: EnvironmentPolicy = { where };
  const freeze = fields?.get("freeze_on_exhausted_budget");
  const frozen = freeze && reader.bool(freeze.value, "`freeze_on_exhausted_budget`", freeze.key);
  if (frozen) env.freezeOnExhaustedBudget = true;
  const strategy = fields?.get("strategy");
  if (!strategy) return env;
  const named = reader.string(strategy.value, "`strategy`", strategy.key);
  if (named === undefined) return env;
  if (!policy.strategies.has(named)) {
    const known = [...policy.strategies.keys()];
    reader.report(strategy.value ?? strategy.key, `environment ${name} names strategy "${named}", which \`strategies\` does not define${known.length ? ` (defined: ${known.join(", ")})` : ""}`);
    return env;
  }
  return { ...env, strategy: named };
}

function readStrategy(reader: Reader, analysis: AnalysisRead, name: string, key: Node, value: Node | null): Strategy | undefined {
  const map = reader.map(value, `strategy ${name}`, key);
  if (!map) return undefined;
  const fields = reader.fields(map, STRATEGY_KEYS);
  const stepsField = fields.get("steps");
  if (!stepsField) {
    reader.report(key, `strategy ${name} needs \`steps\` (e.g. - nodes: 1, - wait: 5m, - percent: 100)`);
    return undefined;
  }
  const list = reader.seq(stepsField.value, "`steps`", stepsField.key);
  if (!list) return undefined;
  if (list.items.length === 0) reader.report(list, `strategy ${name} has no steps`);
  const steps: RolloutStep[] = [];
  let ok = true;
  for (const item of list.items) {
    const step = readStep(reader, reader.resolve(item), list);
    if (step) steps.push(step);
    else ok = false;
  }
  const gates = readGates(reader, analysis, fields.get("gates"));
  const onFailure = readOnFailure(reader, fields.get("on_failure"));
  if (!ok || !gates || !onFailure || steps.length === 0) return undefined;
  return { name, steps, gates, onFailure, where: whereOf(reader.file, key) };
}

function readStep(reader: Reader, node: Node | null, list: YAMLMap | Node): RolloutStep | undefined {
  const one = oneOf(reader, node, list, "a step", STEP_KINDS);
  if (!one) return undefined;
  const { kind, field } = one;
  if (kind === "nodes") {
    const count = integer(reader, field, "`nodes`", 1, Number.MAX_SAFE_INTEGER);
    return count === undefined ? undefined : { kind, count };
  }
  if (kind === "percent") {
    const percent = integer(reader, field, "`percent`", 1, 100);
    return percent === undefined ? undefined : { kind, percent };
  }
  if (kind === "wait") {
    const seconds = duration(reader, field, "`wait`");
    return seconds === undefined ? undefined : { kind, seconds };
  }
  if (!isEmpty(field.value) && !(isMap(field.value) && field.value.items.length === 0)) {
    reader.report(field.value ?? field.key, `\`approve\` takes no settings yet: write \`approve: {}\``);
    return undefined;
  }
  return { kind: "approve" };
}

function readGates(reader: Reader, analysisRead: AnalysisRead, field: Field | undefined): RolloutGates | undefined {
  if (!field) return DEFAULT_GATES;
  const map = reader.map(field.value, "`gates`", field.key);
  if (!map) return undefined;
  const fields = reader.fields(map, GATE_KEYS);
  const gates: RolloutGates = { ...DEFAULT_GATES };
  let ok = true;
  const failedRuns = fields.get("failed_runs");
  if (failedRuns) {
    const limit = readFailedRuns(reader, failedRuns);
    if (limit) gates.failedRuns = limit;
    else ok = false;
  }
  const image = fields.get("image_rollback");
  if (image) {
    const value = reader.bool(image.value, "`image_rollback`", image.key);
    if (value === undefined) ok = false;
    else gates.imageRollback = value;
  }
  const within = fields.get("report_within");
  if (within) {
    const seconds = duration(reader, within, "`report_within`");
    if (seconds === undefined || seconds === 0) {
      if (seconds === 0) reader.report(within.value, "`report_within` must be longer than 0s");
      ok = false;
    } else gates.reportWithinSeconds = seconds;
  }
  const analysis = fields.get("analysis");
  const named = analysis && reader.string(analysis.value, "`analysis`", analysis.key);
  if (analysis && named === undefined) ok = false;
  else if (named !== undefined && !analysisRead.written.has(named)) {
    const known = [...analysisRead.written];
    reader.report(analysis!.value ?? analysis!.key, `gate \`analysis\` names "${named}", which \`analysis\` does not define${known.length ? ` (defined: ${known.join(", ")})` : ""}`);
    ok = false;
  } else if (named !== undefined) {
    // One written with problems is reported where it is; the strategy is not kept.
    gates.analysis = analysisRead.templates.get(named);
    if (!gates.analysis) ok = false;
  }
  return ok ? gates : undefined;
}

/** `failed_runs: 2` (nodes) or `failed_runs: 10%` (of the moved nodes). */
function readFailedRuns(reader: Reader, field: Field): FailedRunsLimit | undefined {
  const node = field.value;
  if (isScalar(node) && typeof node.value === "string") {
    const m = /^(\d+(?:\.\d+)?)%$/.exec(node.value.trim());
    const percent = m ? Number(m[1]) : NaN;
    if (percent >= 0 && percent <= 100) return { percent };
    reader.report(node, `\`failed_runs\` must be a count of nodes (e.g. 0) or a percent of the moved nodes from 0% to 100% (e.g. 10%), not "${node.value}"`);
    return undefined;
  }
  const count = integer(reader, field, "`failed_runs`", 0, Number.MAX_SAFE_INTEGER);
  return count === undefined ? undefined : { count };
}

function readOnFailure(reader: Reader, field: Field | undefined): OnFailure | undefined {
  if (!field) return "rollback";
  const value = reader.string(field.value, "`on_failure`", field.key);
  if (value === "rollback" || value === "pause") return value;
  if (value !== undefined) reader.report(field.value, `\`on_failure\` must be rollback or pause, not "${value}"`);
  return undefined;
}
