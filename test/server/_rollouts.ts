// Shared by the tests of rollouts (the controller's, the dashboard's): a
// delivery policy parsed from real ancla.yaml text, and a real controller on
// a test's store with both its clocks in the test's hands.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CelCache } from "../../catalog/expr/cel.js";
import type { DeliveryPolicy } from "../../catalog/site/delivery.js";
import { loadSettings } from "../../catalog/site/settings.js";
import { createLogger } from "../../server/log.js";
import { RolloutController, type RunNow } from "../../server/rollouts/controller.js";
import type { Store } from "../../server/store/index.js";
import { tempDir, type Teardown } from "./_helpers.js";

export interface TestClocks {
  wall: number;
  mono: number;
}

/** The policy `yaml` gives as an ancla.yaml; a problem in it fails the test's setup. */
export async function policyOf(t: Teardown, yaml: string): Promise<DeliveryPolicy> {
  const dir = tempDir(t);
  writeFileSync(join(dir, "ancla.yaml"), yaml);
  const settings = await loadSettings(dir, new CelCache());
  if (settings.problems.length > 0) throw new Error(JSON.stringify(settings.problems));
  return settings.delivery;
}

/** A started controller on `store`, the site at `head` with `policy`, stopped at the test's end. */
export async function startTestController(t: Teardown, opts: { store: Store; clock: TestClocks; policy: DeliveryPolicy; head: string; runNow?: RunNow; tickMs?: number }): Promise<RolloutController> {
  const { store, clock, policy, head } = opts;
  const controller = new RolloutController({
    store: store.rollouts,
    health: store,
    releases: store.releases,
    site: { version: async () => head, policy: async () => policy },
    runNow: opts.runNow,
    logger: createLogger("test", { level: "silent" }),
    now: () => new Date(clock.wall),
    monotonic: () => clock.mono,
    tickMs: opts.tickMs ?? 1000,
  });
  await controller.start();
  t.teardown(() => controller.stop());
  return controller;
}

/** Evaluates the rollouts with `seconds` of both clocks passing, one second a tick. */
export async function passSeconds(clock: TestClocks, controller: RolloutController, seconds: number): Promise<void> {
  for (let i = 0; i < seconds; i++) {
    clock.mono += 1000;
    clock.wall += 1000;
    await controller.tick();
  }
}
