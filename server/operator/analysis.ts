// `ancla analysis show ROLLOUT_ID` and `ancla slo list`: the numbers behind
// every rollout decision and every error budget, as tables or as the API's
// JSON.
import { JSON_FLAG, type Subcommand } from "../../core/cli.js";
import type { AnalysisJson } from "../http/routes/rollouts.js";
import type { SloJson } from "../http/routes/slos.js";
import { ApiClient } from "./client.js";
import { CONNECTION_FLAGS, resolveConnection } from "./connection.js";
import { print, table, when } from "./output.js";

/** The API's shapes, from the views that make them. */

function analysisText(a: AnalysisJson): string {
  if (a.template === null) return `rollout ${a.rollout} has no analysis gate\n`;
  if (a.runs.length === 0) return `rollout ${a.rollout}: analysis ${a.template} has not run yet (it runs once a whole window has passed since nodes moved)\n`;
  const rows = a.runs.flatMap((r) =>
    r.checks.map((c) => [
      when(r.at),
      r.outcome,
      c.check + (c.probe ? ` ${c.probe}` : ""),
      c.outcome,
      num(c.canary),
      num(c.control),
      c.threshold,
      `${c.samples.canary}/${c.samples.control}`,
      c.message,
    ]),
  );
  return `rollout ${a.rollout}: analysis ${a.template}, ${a.runs.length} run(s)\n` + table(["RUN AT", "RUN", "CHECK", "OUTCOME", "CANARY", "CONTROL", "THRESHOLD", "SAMPLES", "WHY"], rows);
}

function sloText(slos: SloJson[]): string {
  if (slos.length === 0) return "the site declares no SLOs (slos: in ancla.yaml)\n";
  return table(
    ["SLO", "PROBE", "ENV", "OBJECTIVE", "WINDOW", "ATTEMPTS", "BUDGET LEFT", "BURN", "BURN 1H", ""],
    slos.map((s) => [
      s.name,
      s.probe,
      s.environment ?? "all",
      `${s.objective}%${s.latency_ms !== null ? ` ≤${s.latency_ms}ms` : ""}`,
      `${Math.round(s.window_seconds / 86400)}d`,
      s.total,
      `${(s.remaining * 100).toFixed(1)}%`,
      s.burn_rate.toFixed(2),
      s.burn_rate_1h.toFixed(2),
      s.exhausted ? "EXHAUSTED" : "",
    ]),
  );
}

function num(n: number | null): string | undefined {
  return n === null ? undefined : String(n);
}

export const analysisCommands: Record<string, Subcommand> = {
  "analysis show": {
    usage: "analysis show ROLLOUT_ID [--json]",
    summary: "every analysis run of a rollout: each check's canary and control values, threshold, sample sizes and outcome",
    flags: { ...CONNECTION_FLAGS, ...JSON_FLAG },
    positionals: [1, 1],
    async run(args) {
      const a = await new ApiClient(resolveConnection(args)).get<AnalysisJson>(`/rollouts/${encodeURIComponent(args.positionals[0])}/analysis`);
      print(args, a, () => analysisText(a));
      return 0;
    },
  },
  "slo list": {
    usage: "slo list [--json]",
    summary: "the site's SLOs with their error budget left and burn rate (over the window and the last hour)",
    flags: { ...CONNECTION_FLAGS, ...JSON_FLAG },
    positionals: [0, 0],
    async run(args) {
      const { slos } = await new ApiClient(resolveConnection(args)).get<{ slos: SloJson[] }>("/slos");
      print(args, slos, () => sloText(slos));
      return 0;
    },
  },
};
