// The site's SLOs measured now: each one's budget over its window and burn
// over the last hour, from the health store, over the nodes of its
// environment (or every node). The rollout controller asks it whether an
// environment that freezes on a spent budget may start a rollout.
import type { DeliveryPolicy } from "../../catalog/site/delivery.js";
import type { Slo } from "../../catalog/site/slos.js";
import type { HealthStore } from "../store/health.js";
import { budgetOf, type Budget } from "./budget.js";

export interface SloDeps {
  health: Pick<HealthStore, "probeTotals">;
  site: { version(): Promise<string>; policy(version: string): Promise<DeliveryPolicy> };
  environmentNodes(environment: string): Promise<{ certname: string }[]>;
  now?: () => Date;
}

const HOUR_MS = 3_600_000;

export class SloBudgets {
  constructor(private readonly deps: SloDeps) {}

  /** Every SLO of the site as it is now, by name. */
  async list(): Promise<Budget[]> {
    const policy = await this.policy();
    const out: Budget[] = [];
    for (const slo of [...policy.slos.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) out.push(await this.measure(slo));
    return out;
  }

  /** The spent budgets that freeze `environment`'s rollouts; none when it does not freeze. */
  async freezing(environment: string): Promise<Budget[]> {
    const policy = await this.policy();
    if (!policy.environments.get(environment)?.freezeOnExhaustedBudget) return [];
    const covering = [...policy.slos.values()].filter((s) => s.environment === undefined || s.environment === environment);
    const budgets = await Promise.all(covering.map((s) => this.measure(s)));
    return budgets.filter((b) => b.exhausted);
  }

  private async policy(): Promise<DeliveryPolicy> {
    return this.deps.site.policy(await this.deps.site.version());
  }

  private async measure(slo: Slo): Promise<Budget> {
    const now = this.deps.now?.() ?? new Date();
    const nodes = slo.environment === undefined ? undefined : (await this.deps.environmentNodes(slo.environment)).map((n) => n.certname);
    const [window, lastHour] = await Promise.all([
      this.deps.health.probeTotals(slo.probe, nodes, new Date(now.getTime() - slo.windowSeconds * 1000), now),
      this.deps.health.probeTotals(slo.probe, nodes, new Date(now.getTime() - HOUR_MS), now),
    ]);
    return budgetOf(slo, window, lastHour);
  }
}
