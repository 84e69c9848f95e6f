// Runs the catalog's probes, each every `every` seconds, and keeps what they
// measure in windows (window.ts) until cut() hands the finished ones out.
//
// - The first attempt of a probe starts at a random point within its first
//   interval, so probes (and a fleet restarted together) spread out.
// - Attempts are due on a fixed grid (start + k × every), not every seconds
//   after the last one ended, so a slow probe does not drift.
// - A probe never overlaps itself: when it is due while its previous attempt
//   is still running (or still waiting for a slot), that slot is skipped and
//   counts nothing — no attempt, no error. A probe slower than its interval
//   thus shows up as fewer attempts (and its timeouts), never as a pile-up.
// - At most `concurrency` attempts run at once across probes; the others
//   wait their turn, and their latency is measured from when they start.
// - Timers are unref'd: the scheduler never keeps the process alive.
// - An attempt counts in the window in which it ends.
import type { Probe } from "../../catalog/model.js";
import { attemptProbe, type AttemptFn } from "./attempt.js";
import { Limiter } from "./limiter.js";
import type { Attempt } from "./outcome.js";
import { OpenWindow, type ProbeWindowInit } from "./window.js";

export const DEFAULT_CONCURRENCY = 4;

export interface SchedulerOptions {
  attempt?: AttemptFn;
  concurrency?: number;
  random?: () => number;
  now?: () => number;
  /** Each attempt as it ends (the daemon's log, tests). */
  onAttempt?: (probe: Probe, attempt: Attempt) => void;
}

interface Slot {
  probe: Probe;
  /** When the next attempt is due (ms, the `now` clock). */
  due: number;
  timer?: NodeJS.Timeout;
  /** An attempt is running or waiting for a slot: a due time now is skipped. */
  busy: boolean;
  window: OpenWindow;
  /** Slots skipped because the previous attempt was still busy (tests, log). */
  skipped: number;
}

export class ProbeScheduler {
  private readonly slots = new Map<string, Slot>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly limiter: Limiter;
  private readonly attempt: AttemptFn;
  private readonly random: () => number;
  private readonly now: () => number;
  /** Windows closed early (a probe removed, a new site version) and not yet handed out by cut(). */
  private finished: ProbeWindowInit[] = [];
  private siteVersion = "";
  private stopped = false;

  constructor(private readonly opts: SchedulerOptions = {}) {
    this.limiter = new Limiter(opts.concurrency ?? DEFAULT_CONCURRENCY);
    this.attempt = opts.attempt ?? attemptProbe;
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Replaces the probe set (a new catalog). A probe that stays (same name)
   * keeps its window and its place on the grid; its definition is updated
   * (a new interval takes effect from its next attempt). A removed probe's
   * window is closed now. A new site version closes every open window, so
   * each window carries the one version the agent held while it probed.
   */
  setProbes(probes: readonly Probe[], siteVersion: string): void {
    if (this.stopped) return;
    const now = this.now();
    const names = new Set(probes.map((p) => p.name));
    for (const [name, slot] of this.slots) {
      if (names.has(name)) continue;
      clearTimeout(slot.timer);
      this.closeEarly(slot, now);
      this.slots.delete(name);
    }
    if (siteVersion !== this.siteVersion) {
      for (const slot of this.slots.values()) {
        this.closeEarly(slot, now);
        slot.window = new OpenWindow(slot.probe.name, siteVersion, now);
      }
      this.siteVersion = siteVersion;
    }
    for (const probe of probes) {
      const slot = this.slots.get(probe.name);
      if (slot) {
        const everyChanged = slot.probe.every !== probe.every;
        slot.probe = probe;
        if (everyChanged) this.arm(slot, Math.min(slot.due, now + probe.every * 1000));
        continue;
      }
      const fresh: Slot = { probe, due: 0, busy: false, window: new OpenWindow(probe.name, siteVersion, now), skipped: 0 };
      this.slots.set(probe.name, fresh);
      this.arm(fresh, now + this.random() * probe.every * 1000);
    }
  }

  /** Closes every open window at `now` and answers the finished windows with attempts in them. */
  cut(): ProbeWindowInit[] {
    const now = this.now();
    for (const slot of this.slots.values()) {
      this.closeEarly(slot, now);
      slot.window = new OpenWindow(slot.probe.name, this.siteVersion, now);
    }
    const out = this.finished;
    this.finished = [];
    return out;
  }

  /** Probe names in the set. */
  get probes(): Probe[] {
    return [...this.slots.values()].map((s) => s.probe);
  }

  /** How many due slots each probe skipped because it was still busy. */
  skips(): Record<string, number> {
    return Object.fromEntries([...this.slots].map(([name, s]) => [name, s.skipped]));
  }

  /** No new attempts; resolves once the attempts under way have ended (each within its timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const slot of this.slots.values()) clearTimeout(slot.timer);
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private closeEarly(slot: Slot, now: number): void {
    if (slot.window.count > 0) this.finished.push(slot.window.close(now));
  }

  private arm(slot: Slot, due: number): void {
    clearTimeout(slot.timer);
    slot.due = due;
    slot.timer = setTimeout(() => this.fire(slot), Math.max(0, due - this.now()));
    slot.timer.unref();
  }

  private fire(slot: Slot): void {
    if (this.stopped || this.slots.get(slot.probe.name) !== slot) return;
    if (slot.busy) slot.skipped++;
    else this.start(slot);
    // The next point on the grid that is still ahead (a host that slept skips what it missed).
    const every = slot.probe.every * 1000;
    const now = this.now();
    let due = slot.due + every;
    if (due <= now) due += Math.ceil((now - due + 1) / every) * every;
    this.arm(slot, due);
  }

  private start(slot: Slot): void {
    slot.busy = true;
    const probe = slot.probe;
    const run = this.limiter
      .run(() => this.attempt(probe))
      .then((attempt) => {
        // A probe removed meanwhile has no window left to count in.
        if (this.slots.get(probe.name) === slot) slot.window.record(attempt);
        this.opts.onAttempt?.(probe, attempt);
      })
      .catch(() => undefined)
      .finally(() => {
        slot.busy = false;
        this.inFlight.delete(run);
      });
    this.inFlight.add(run);
  }
}
