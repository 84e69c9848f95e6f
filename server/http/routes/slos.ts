// The site's SLOs with their error budgets and burn rates, measured from the
// probes' health now: for viewers, the page and `ancla slo list`.
import type { Budget } from "../../slo/budget.js";
import type { SloBudgets } from "../../slo/service.js";
import { requireRole } from "../auth.js";
import type { ApiInstance } from "./deps.js";
import Type, { type Static } from "typebox";
import { arrayOf, bool, int, nullable, num, object, responses, str } from "../schemas.js";

export const sloSchema = object({
  name: str,
  probe: str,
  environment: nullable(str, { description: "the environment whose nodes it covers; null: every node" }),
  objective: Type.Number({ description: "percent of attempts promised good" }),
  window_seconds: int,
  latency_ms: nullable(num, { description: "a good attempt was also answered within this" }),
  total: int,
  good: int,
  allowed_bad: num,
  remaining: Type.Number({ description: "share of the error budget left: 1 untouched, 0 spent, below 0 overspent" }),
  burn_rate: Type.Number({ description: "the bad share over the window divided by the allowed share" }),
  burn_rate_1h: num,
  exhausted: bool,
});
export type SloJson = Static<typeof sloSchema>;
export const slosSchema = object({ slos: arrayOf(sloSchema) });

export function sloView(b: Budget): SloJson {
  return {
    name: b.slo,
    probe: b.probe,
    environment: b.environment ?? null,
    objective: b.objective,
    window_seconds: b.windowSeconds,
    latency_ms: b.latencyMs ?? null,
    total: b.total,
    good: b.good,
    allowed_bad: b.allowedBad,
    remaining: b.remaining,
    burn_rate: b.burnRate,
    burn_rate_1h: b.burnRate1h,
    exhausted: b.exhausted,
  };
}

export function sloRoutes(budgets: SloBudgets) {
  return async (app: ApiInstance): Promise<void> => {
    app.get(
      "/slos",
      { preHandler: requireRole("viewer"), schema: { tags: ["slos"], summary: "the site's SLOs: error budget remaining and burn rate over each one's window", response: responses(slosSchema) } },
      async () => ({ slos: (await budgets.list()).map(sloView) }),
    );
  };
}
