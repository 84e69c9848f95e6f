// The daemon and RunNow, with the run and the Watch stream stubbed: a RunNow
// wakes the interval's sleep and runs at once (noop when it asks); RunNow
// arriving during a run queue one more run after it, duplicates joining it;
// the daemon's own --noop holds for requested runs too; the reconnect backoff
// is full jitter, capped.
import t from "tap";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { ReportSchema, RunNowSchema } from "../../proto/gen/ancla/v1/agent_pb.js";
import { runDaemon, type RequestedRun } from "../../agent/run/daemon.js";
import type { RunOnceOptions, RunResult } from "../../agent/run/once.js";
import { watchBackoffMs, WATCH_BACKOFF_CAP_MS, type WatchOptions } from "../../agent/run/watch.js";
import type { AgentSettings } from "../../agent/settings.js";
import { eventually } from "../server/_helpers.js";

const settings = { runInterval: 3600, splay: 0, timeout: 5, stateDir: "/nonexistent" } as AgentSettings;

interface Harness {
  /** Each run's noop flag, in order. */
  runs: boolean[];
  /** The requested runs the daemon announced. */
  announced: RequestedRun[];
  /** Sends a RunNow as the Watch stream would. */
  send(init: MessageInitShape<typeof RunNowSchema>): void;
  /** Lets the run under way finish. */
  finishRun(): void;
  /** Is a run under way (started, not finished)? */
  running(): boolean;
  stop(): Promise<void>;
}

/** A daemon whose runs wait for finishRun() and whose Watch stream is `send`. */
function daemon(noop = false): Harness {
  const runs: boolean[] = [];
  const announced: RequestedRun[] = [];
  let finish: (() => void) | undefined;
  let onRunNow: WatchOptions["onRunNow"] | undefined;
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const fakeRun = (opts: RunOnceOptions): Promise<RunResult> => {
    runs.push(opts.noop);
    return new Promise((resolve) => {
      finish = () => {
        finish = undefined;
        resolve({ report: create(ReportSchema), exitCode: 0, serverReachable: true, delivered: 1, stillQueued: 0 });
      };
    });
  };
  const fakeWatch = (opts: WatchOptions): Promise<void> => {
    onRunNow = opts.onRunNow;
    return new Promise((resolve) => opts.signal.addEventListener("abort", () => resolve()));
  };
  const done = runDaemon({ settings, noop }, { stopped, onRun: () => {}, onRunNow: (r) => announced.push(r) }, { runOnce: fakeRun, holdWatch: fakeWatch });
  return {
    runs,
    announced,
    send: (init) => onRunNow!(create(RunNowSchema, { reason: "test", requestId: `req-${Math.random()}`, ...init })),
    finishRun: () => finish!(),
    running: () => finish !== undefined,
    stop: async () => {
      stop();
      await done;
    },
  };
}

t.test("a RunNow wakes the interval's sleep and runs at once, as a noop run when it asks", async (t) => {
  const d = daemon();
  t.teardown(() => d.stop());
  await eventually("the first run (splay 0) starts", () => d.running());
  d.finishRun();
  await eventually("the daemon sleeps its hour", () => !d.running());
  d.send({ noop: true, reason: "ancla run by test" });
  await eventually("a run starts without waiting the hour", () => d.running());
  t.same(d.runs, [false, true], "the requested run is a noop run; the daemon's runs are not");
  t.match(d.announced, [{ noop: true, requests: [{ reason: "ancla run by test" }] }]);
  d.finishRun();
  d.send({});
  await eventually("the next RunNow runs too", () => d.running());
  t.same(d.runs, [false, true, false], "a noop RunNow was for that one run");
  d.finishRun();
});

t.test("RunNow arriving during a run queue exactly one more run; duplicates join it", async (t) => {
  const d = daemon();
  t.teardown(() => d.stop());
  await eventually("the first run starts", () => d.running());
  for (let i = 0; i < 5; i++) d.send({ requestId: `dup-${i}` });
  d.finishRun();
  await eventually("one more run starts", () => d.running() && d.runs.length === 2);
  t.equal(d.announced.length, 1, "one run answers all five");
  t.same(
    d.announced[0].requests.map((r) => r.requestId),
    ["dup-0", "dup-1", "dup-2", "dup-3", "dup-4"],
  );
  d.finishRun();
  await d.stop();
  t.equal(d.runs.length, 2, "and no run after it: the rest is the hour's sleep");
});

t.test("a noop RunNow and an enforcing one during a run are one run each, in the order asked", async (t) => {
  const d = daemon();
  t.teardown(() => d.stop());
  await eventually("the first run starts", () => d.running());
  d.send({ noop: true });
  d.send({});
  d.send({ noop: true });
  d.finishRun();
  await eventually("the noop run starts", () => d.running() && d.runs.length === 2);
  d.finishRun();
  await eventually("the enforcing run starts", () => d.running() && d.runs.length === 3);
  d.finishRun();
  await d.stop();
  t.same(d.runs, [false, true, false]);
  t.same(
    d.announced.map((r) => [r.noop, r.requests.length]),
    [
      [true, 2],
      [false, 1],
    ],
  );
});

t.test("under the daemon's own --noop a requested run is a noop run too", async (t) => {
  const d = daemon(true);
  t.teardown(() => d.stop());
  await eventually("the first run starts", () => d.running());
  d.send({ noop: false });
  d.send({ noop: true });
  d.finishRun();
  await eventually("one more run starts", () => d.running() && d.runs.length === 2);
  d.finishRun();
  await d.stop();
  t.same(d.runs, [true, true], "both requests joined one noop run");
});

t.test("stopping ends the Watch stream and the daemon, also mid-sleep", async (t) => {
  const d = daemon();
  await eventually("the first run starts", () => d.running());
  d.finishRun();
  await eventually("asleep", () => !d.running());
  await d.stop();
  t.pass("stopped");
});

t.test("reconnects wait full jitter: uniform below base × 2^failures, capped at a minute", async (t) => {
  t.equal(
    watchBackoffMs(0, () => 0),
    0,
  );
  t.equal(
    watchBackoffMs(0, () => 0.5),
    500,
  );
  t.same([0, 1, 2, 3, 4, 5, 6, 7, 20].map((n) => watchBackoffMs(n, () => 0.999999)).map(Math.round), [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
  t.equal(watchBackoffMs(40, () => 0.999999) < WATCH_BACKOFF_CAP_MS, true);
});
