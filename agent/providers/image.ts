// The `image` provider: an image-swap update of a directory tree, in the states
//   idle → downloading → staged → activating → pending-commit → committed | rolled-back | failed
// each said in the run's log as it happens. The image (tar or tar.gz, named by
// SHA-256 in the signed catalog) is downloaded with resume, verified, unpacked
// into a new slot, and `current` is switched to it by renaming a new symlink
// over the old one. What the image notifies (a service) is refreshed at once,
// then the health check decides: pass commits, fail switches back, refreshes
// again and marks the digest bad, so it is not tried again until the catalog
// names another one. Every step is journaled first (image-journal.ts): an agent
// killed at any point finishes or undoes the switch on its next run.
import { join } from "node:path";
import { unlink } from "node:fs/promises";
import { LogLevel } from "../../proto/gen/ancla/v1/agent_pb.js";
import { download } from "./image-download.js";
import { waitHealthy } from "./image-health.js";
import { committedRecord, ImageJournal, previousOf, type ImageRecord, type PendingSwitch } from "./image-journal.js";
import { currentSlot, pruneSlots, slotExists, slotName, slotsDir, switchCurrent } from "./image-slots.js";
import { parseImageSpec, shown, type ImageSpec } from "./image-spec.js";
import { unpackInto } from "./image-unpack.js";
import { ResourceFailure, type CheckResult, type PropertyChange, type Provider, type ProviderContext } from "./provider.js";

export const imageProvider: Provider = {
  async checkApply(resource, apply, ctx): Promise<CheckResult> {
    const spec = parseImageSpec(resource);
    const swap = new Swap(spec, ctx, new ImageJournal(join(stateDirOf(ctx), "image"), spec.path));
    return swap.converge(apply);
  },
};

function stateDirOf(ctx: ProviderContext): string {
  if (ctx.stateDir) return ctx.stateDir;
  throw new ResourceFailure("", "the image resource journals its switches in the agent's state dir, and this run has none");
}

/** One image resource in one run. */
class Swap {
  private record: ImageRecord = { path: "", history: [] };

  constructor(
    private readonly spec: ImageSpec,
    private readonly ctx: ProviderContext,
    private readonly journal: ImageJournal,
  ) {}

  async converge(apply: boolean): Promise<CheckResult> {
    this.record = await this.journal.read();
    const pending = this.record.pending;
    if (pending && !apply) {
      return noop({ property: "state", desired: "committed", actual: pending.step, message: `would finish or undo the switch to ${shown(pending.to)} interrupted at ${pending.step}` });
    }
    if (pending) {
      const recovered = await this.recover(pending);
      if (recovered) return { changes: [recovered], applied: true };
    }
    const { digest } = this.spec;
    if (this.record.bad?.digest === digest) {
      const { reason, at } = this.record.bad;
      throw new ResourceFailure("content_sha256", `failed: ${shown(digest)} was rolled back at ${at} (${reason}); it is not tried again until the catalog names another digest`, "ANCLA_E_IMAGE_BAD");
    }
    const current = await currentSlot(this.spec.path);
    if (current === slotName(digest) && (await slotExists(this.spec.path, digest))) {
      if (apply && (this.record.committed !== digest || this.record.bad)) await this.save(committedRecord(this.record, digest));
      return { changes: [], applied: false };
    }
    const change: PropertyChange = { property: "content_sha256", desired: shown(digest), actual: this.shownCurrent(current) };
    if (this.spec.artifact) change.message = `artifact ${this.spec.artifact}`;
    if (!apply) return noop(change);
    await this.stage();
    const from = current && /^[0-9a-f]{12}$/.test(current) ? current : undefined;
    await this.save({ ...this.record, bad: undefined, pending: { step: "activating", from, to: digest, at: new Date().toISOString() } });
    change.message = await this.activate();
    return { changes: [change], applied: true };
  }

  /** downloading → staged: the slot of the digest exists, complete. */
  private async stage(): Promise<void> {
    const { path, digest } = this.spec;
    const name = slotName(digest);
    if (await slotExists(path, digest)) {
      this.log(LogLevel.INFO, `staged: slots/${name} is already unpacked`);
      return;
    }
    if (!this.ctx.streamContent) throw new ResourceFailure("content_sha256", "this run cannot stream content, which an image needs");
    const got = await download(join(this.journal.dir, "downloads"), digest, this.ctx.streamContent, this.ctx.signal, (at) =>
      this.log(LogLevel.INFO, `downloading ${shown(digest)}${at > 0 ? ` (resuming at byte ${at})` : ""}`),
    );
    await unpackInto(got.file, slotsDir(path), name);
    await unlink(got.file);
    this.log(LogLevel.INFO, `staged: ${got.bytes} bytes verified and unpacked into slots/${name}`);
  }

  /** activating → pending-commit → committed (the report's message) or rolled-back (thrown). */
  private async activate(): Promise<string> {
    const pending = this.pending();
    this.log(LogLevel.INFO, `activating: current → slots/${slotName(pending.to)}${pending.from ? ` (was slots/${pending.from})` : ""}`);
    await switchCurrent(this.spec.path, slotName(pending.to));
    try {
      await this.ctx.refreshNotified?.();
    } catch (err) {
      throw await this.rollBack(`restarting what it notifies failed: ${(err as Error).message}`);
    }
    await this.save({ ...this.record, pending: { ...pending, step: "pending-commit" } });
    return this.gate();
  }

  /** pending-commit: the health check decides. */
  private async gate(): Promise<string> {
    const { health } = this.spec;
    let verdict = "committed (no health check)";
    if (health) {
      this.log(LogLevel.INFO, `pending-commit: health check, deadline ${health.deadline} s`);
      const outcome = await waitHealthy(health, this.ctx.signal);
      if (!outcome.passed) throw await this.rollBack(outcome.reason);
      verdict = `committed: health check passed after ${outcome.attempts} attempt(s) in ${outcome.seconds.toFixed(1)} s`;
    }
    const to = this.pending().to;
    await this.save(committedRecord(this.record, to));
    await this.prune();
    this.log(LogLevel.INFO, `${verdict}; current is slots/${slotName(to)}`);
    return verdict;
  }

  /** rolling-back → rolled-back: switch back, refresh again, mark the digest bad. Returns the failure to throw. */
  private async rollBack(reason: string): Promise<ResourceFailure> {
    const pending = this.pending();
    await this.save({ ...this.record, pending: { ...pending, step: "rolling-back", reason } });
    const back = pending.from ? `slots/${pending.from}` : "no image (nothing was live before)";
    this.log(LogLevel.WARNING, `rolling back to ${back}: ${reason}`);
    await switchCurrent(this.spec.path, pending.from);
    let alsoFailed = "";
    try {
      await this.ctx.refreshNotified?.();
    } catch (err) {
      alsoFailed = `; restarting what it notifies after the switch back failed too: ${(err as Error).message}`;
    }
    const { pending: _done, ...rest } = this.record;
    await this.save({ ...rest, bad: { digest: pending.to, reason, at: new Date().toISOString() } });
    await this.prune();
    this.log(LogLevel.WARNING, `rolled-back: ${shown(pending.to)} is marked bad; current is ${back}`);
    return new ResourceFailure("content_sha256", `rolled-back to ${back}: ${reason}${alsoFailed}`, "ANCLA_E_IMAGE_ROLLED_BACK");
  }

  /**
   * A switch a killed agent left behind. The catalog still names its digest:
   * finish it (switch, refresh and health check again). It names another:
   * undo it and carry on towards that one.
   * Returns the change when the switch was finished and committed.
   */
  private async recover(pending: PendingSwitch): Promise<PropertyChange | undefined> {
    const { path, digest } = this.spec;
    this.log(LogLevel.WARNING, `found a switch to ${shown(pending.to)} interrupted at ${pending.step}`);
    if (pending.step === "rolling-back") throw await this.rollBack(pending.reason ?? "the health check failed");
    if (pending.to !== digest || !(await slotExists(path, pending.to))) {
      await switchCurrent(path, pending.from);
      await this.ctx.refreshNotified?.();
      const { pending: _undone, ...rest } = this.record;
      await this.save(rest);
      this.log(LogLevel.INFO, `undid the interrupted switch: current is ${pending.from ? `slots/${pending.from}` : "absent"} again`);
      return undefined;
    }
    // From the switch again, whichever step it reached: renaming the link again is harmless, and the
    // health check then judges what runs after this run's own restart, not one from before the kill.
    const change: PropertyChange = { property: "content_sha256", desired: shown(digest), actual: pending.from ? `slots/${pending.from}` : "absent" };
    change.message = await this.activate();
    return change;
  }

  private async prune(): Promise<void> {
    const removed = await pruneSlots(this.spec.path, this.record.history, this.spec.keep, [
      this.record.committed,
      previousOf(this.record),
      this.record.pending?.from && this.digestOfSlot(this.record.pending.from),
    ]);
    if (removed.length > 0) this.log(LogLevel.INFO, `removed old slots ${removed.map((n) => `slots/${n}`).join(", ")} (keep ${this.spec.keep})`);
  }

  private digestOfSlot(name: string): string | undefined {
    return [...this.record.history].reverse().find((d) => slotName(d) === name);
  }

  private shownCurrent(current: string | undefined): string {
    if (current === undefined) return "absent";
    const committed = this.record.committed;
    return committed && slotName(committed) === current ? shown(committed) : `slots/${current}`;
  }

  private pending(): PendingSwitch {
    if (!this.record.pending) throw new Error("no switch in progress");
    return this.record.pending;
  }

  private async save(record: ImageRecord): Promise<void> {
    await this.journal.write(record);
    this.record = record;
  }

  private log(level: LogLevel.INFO | LogLevel.WARNING, message: string): void {
    this.ctx.log?.(level, message);
  }
}

function noop(change: PropertyChange): CheckResult {
  return { changes: [change], applied: false };
}
