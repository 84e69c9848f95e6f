// Which release each node is compiled at, asked on every check-in: the
// site's delivery policy (policy.ts), the node's environment and the
// rollouts (controller.ts) decide it. A site with no strategy at all takes
// the early way out, so it compiles exactly as before rollouts existed.
import type { ReleaseAt } from "../../catalog/compile-seam.js";
import type { ReleaseTrees } from "../releases/tree.js";
import type { RolloutController } from "./controller.js";
import type { SitePolicy } from "./policy.js";

export class ReleasePlacement {
  /** Each node's environment as the current site gives it, learned from its compiles. */
  private readonly environments = new Map<string, string>();

  constructor(
    private readonly policy: SitePolicy,
    private readonly controller: RolloutController,
    private readonly trees: ReleaseTrees,
    /** The environment the store recorded for a node (its last compile before a restart). */
    private readonly recorded: (certname: string) => Promise<string | undefined>,
  ) {}

  /** The version `certname` is to be compiled at while the site is at `head`. */
  async versionFor(certname: string, head: string): Promise<string> {
    const policy = await this.policy.at(head);
    if (policy.strategies.size === 0 && this.controller.activeRollouts().length === 0) return head;
    const environment = await this.environmentOf(certname);
    // A node never compiled: the current site places it, and its compile tells where (learn).
    if (environment === undefined) return head;
    return this.controller.releaseFor(certname, environment, head, policy);
  }

  /** A compile said which environment the current site gives the node. */
  learn(certname: string, environment: string): void {
    this.environments.set(certname, environment);
  }

  /** Where to compile `version` from: undefined for the site as it is, a kept release's tree otherwise. */
  async at(version: string, head: string): Promise<ReleaseAt | undefined> {
    return version === head ? undefined : { version, dir: await this.trees.treeFor(version) };
  }

  private async environmentOf(certname: string): Promise<string | undefined> {
    let environment = this.environments.get(certname);
    if (environment === undefined) {
      environment = await this.recorded(certname);
      if (environment !== undefined) this.environments.set(certname, environment);
    }
    return environment;
  }
}
