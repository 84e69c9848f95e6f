// The delivery policy (ancla.yaml environments and strategies) of the site as
// it is now, read on the server's thread once per site version: which
// environments follow a strategy decides which release every node is
// compiled at, on every check-in. A version whose ancla.yaml has problems
// keeps the last good policy, so a typo can never loosen a strategy (and its
// compiles fail with those problems anyway).
import { CelCache } from "../../catalog/expr/cel.js";
import { emptyDelivery, type DeliveryPolicy } from "../../catalog/site/delivery.js";
import { loadSettings } from "../../catalog/site/settings.js";

export class SitePolicy {
  private read: { version: string; policy: Promise<DeliveryPolicy> } | undefined;
  private lastGood: DeliveryPolicy = emptyDelivery();

  constructor(private readonly siteDir: string) {}

  /** The policy at site version `version` (the one siteVersion() just gave). */
  at(version: string): Promise<DeliveryPolicy> {
    if (this.read?.version !== version) this.read = { version, policy: this.load() };
    return this.read.policy;
  }

  private async load(): Promise<DeliveryPolicy> {
    const settings = await loadSettings(this.siteDir, new CelCache());
    if (settings.problems.length === 0) this.lastGood = settings.delivery;
    return this.lastGood;
  }
}
