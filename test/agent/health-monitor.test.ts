// The daemon's health monitor on real probes (a loopback HTTP server) and a
// real SendBatch collecting what it is given: a window every 200 ms with the
// attempts counted, saturation beside them, batches the server does not take
// queued on disk and delivered in order later; a probe that hangs delays
// neither the flushes nor a run; stop() flushes what was measured last. And
// the daemon: the held catalog is probed at start and after each enforcing
// run, never waited for by the run loop.
import t, { type Test } from "tap";
import { create } from "@bufbuild/protobuf";
import { createServer, type Server, type ServerResponse } from "node:http";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { daemonHealth, HealthMonitor, type DaemonHealth } from "../../agent/health/monitor.js";
import { HealthQueue } from "../../agent/health/queue.js";
import type { SendBatch } from "../../agent/health/sender.js";
import { runDaemon } from "../../agent/run/daemon.js";
import type { RunOnceOptions, RunResult } from "../../agent/run/once.js";
import type { WatchOptions } from "../../agent/run/watch.js";
import type { AgentSettings } from "../../agent/settings.js";
import { saveCachedEnvelope } from "../../agent/state/catalog-cache.js";
import { stateLayout } from "../../agent/state/layout.js";
import { acquireRunLock } from "../../agent/state/lock.js";
import { canonicalJson } from "../../catalog/canonical.js";
import { CATALOG_PAYLOAD_TYPE, type Catalog, type Probe } from "../../catalog/model.js";
import { createCertificateAuthority, issueCertificate } from "../../pki/ca.js";
import { signEnvelope } from "../../pki/dsse.js";
import { generateKeyPair } from "../../pki/keys.js";
import { AnclaError } from "../../core/errors.js";
import { ReportSchema } from "../../proto/gen/ancla/v1/agent_pb.js";
import { eventually } from "../server/_helpers.js";
import { catalogOf, file } from "./_helpers.js";

type Batch = Parameters<SendBatch>[0];

/** /ok answers 200, /bad 503, /hang never answers. */
async function target(t: Test): Promise<string> {
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    if (req.url === "/ok") res.end("ok");
    else if (req.url === "/bad") res.writeHead(503).end("no");
    else hanging.add(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const http = (name: string, url: string, every: number, timeout = 1): Probe => ({ name, http: { url, status: 200 }, every, timeout });

function withProbes(probes: Probe[], siteVersion = "v1", resources = catalogOf([]).resources): Catalog {
  return { ...catalogOf(resources), siteVersion, probes };
}

/** A SendBatch that keeps every batch it is given (and the time), or throws while `refusing`. */
function collector() {
  const batches: (Batch & { at: number })[] = [];
  const state = { refusing: false, delayMs: 0, inFlight: 0, mostInFlight: 0 };
  const send: SendBatch = async (batch) => {
    state.inFlight++;
    state.mostInFlight = Math.max(state.mostInFlight, state.inFlight);
    try {
      if (state.delayMs) await sleep(state.delayMs);
      if (state.refusing) throw new AnclaError("ANCLA_E_SERVER_UNREACHABLE", "test: server away");
      batches.push({ ...batch, at: performance.now() });
      return true;
    } finally {
      state.inFlight--;
    }
  };
  return { batches, state, send };
}

const total = (batches: Batch[], probe: string, field: "count" | "errorsStatus" | "errorsTimeout") =>
  batches
    .flatMap((b) => b.probes ?? [])
    .filter((w) => w.probe === probe)
    .reduce((sum, w) => sum + (w[field] ?? 0), 0);

t.test("every window: the probes' attempts counted by outcome, and a saturation window with the managed mounts", async (t) => {
  const base = await target(t);
  const dir = t.testdir({});
  const c = collector();
  const lines: string[] = [];
  const monitor = new HealthMonitor({ layout: stateLayout(join(dir, "state")), send: c.send, windowMs: 200, log: (l) => lines.push(l), scheduler: { random: () => 0 } });
  t.teardown(() => monitor.stop());
  monitor.update(withProbes([http("web", `${base}/ok`, 0.05), http("broken", `${base}/bad`, 0.05)], "v1", [file(join(dir, "managed.conf"))]));

  await eventually("three windows delivered", () => c.batches.length >= 3, 5000);
  const [first, second] = c.batches;
  t.ok(second.at - first.at > 120 && second.at - first.at < 600, `batches ${Math.round(second.at - first.at)} ms apart (window 200 ms)`);
  t.ok(total(c.batches, "web", "count") >= 6, `web counted ${total(c.batches, "web", "count")} attempts`);
  t.equal(total(c.batches, "web", "errorsStatus"), 0, "web's attempts were ok");
  t.ok(total(c.batches, "broken", "count") >= 6);
  t.equal(total(c.batches, "broken", "errorsStatus"), total(c.batches, "broken", "count"), "each of broken's attempts is a status error");
  const web = first.probes!.find((w) => w.probe === "web")!;
  t.equal(web.siteVersion, "v1");
  t.ok((web.durationMs ?? 0) > 0 && (web.durationMs ?? 0) < 1000, `a window lasts its ${web.durationMs} ms`);
  t.equal(
    web.latency!.reduce((n, b) => n + (b.count ?? 0), 0),
    web.count,
    "every answered attempt is in the latency histogram",
  );
  t.ok(
    c.batches.every((b) => b.saturation?.length === 1),
    "one saturation window per batch",
  );
  const sat = second.saturation![0];
  t.ok((sat.durationMs ?? 0) > 100, `saturation covers ${sat.durationMs} ms`);
  t.ok((sat.disks?.length ?? 0) >= 1 && sat.disks!.every((d) => d.mount!.startsWith("/")), `disks: ${sat.disks?.map((d) => d.mount).join(", ")}`);
  t.ok(new Set(c.batches.map((b) => b.batchId)).size === c.batches.length, "each batch has its own id");
  t.same(lines, [], "nothing to complain about");

  // A new catalog: its site version is on the windows from now on.
  monitor.update(withProbes([http("web", `${base}/ok`, 0.05)], "v2"));
  const seen = c.batches.length;
  await eventually("a window of v2", () => c.batches.slice(seen).some((b) => b.probes?.some((w) => w.siteVersion === "v2")), 5000);
  t.notOk(
    c.batches.slice(seen + 1).some((b) => b.probes?.some((w) => w.probe === "broken")),
    "the removed probe stops",
  );
});

t.test("a probe that hangs longer than its interval delays neither the flushes nor a run; stop() flushes its timeout", async (t) => {
  const base = await target(t);
  const dir = t.testdir({});
  const layout = stateLayout(join(dir, "state"));
  const c = collector();
  const monitor = new HealthMonitor({ layout, send: c.send, windowMs: 200, scheduler: { random: () => 0 } });
  monitor.update(withProbes([http("hang", `${base}/hang`, 0.5, 2), http("web", `${base}/ok`, 0.05)]));
  const started = performance.now();

  // What a run does first: take the run lock, then work a while.
  await sleep(100);
  const before = performance.now();
  const lock = await acquireRunLock(layout);
  await sleep(300);
  await lock.release();
  const runMs = performance.now() - before;
  t.ok(runMs < 600, `the run-like work took ${Math.round(runMs)} ms (300 ms of it asleep), with the hung probe in flight`);

  await eventually("windows keep coming while the probe hangs", () => c.batches.length >= 4, 1500);
  t.ok(performance.now() - started < 2000, "four windows before the hung attempt's 2 s timeout");
  t.equal(total(c.batches, "hang", "count"), 0, "the hung attempt has not ended, so no window counts it yet");
  t.ok(total(c.batches, "web", "count") >= 10, "the other probe went on every 50 ms");

  const stopAt = performance.now();
  await monitor.stop();
  t.ok(performance.now() - started >= 1900, "stop() waited for the attempt under way");
  t.ok(performance.now() - stopAt < 3000, "within its timeout");
  t.equal(total(c.batches, "hang", "count"), 1, "one attempt: the slots due while it hung were skipped, not piled up");
  t.equal(total(c.batches, "hang", "errorsTimeout"), 1, "the last flush carries its timeout");
  t.ok(monitor.scheduler.skips().hang >= 1, `skipped ${monitor.scheduler.skips().hang} slots`);
  const after = c.batches.length;
  await sleep(450);
  t.equal(c.batches.length, after, "no flush after stop()");
});

t.test("batches the server does not take are queued on disk and delivered in order when it does; a flush never throws", async (t) => {
  const base = await target(t);
  const dir = t.testdir({});
  const layout = stateLayout(join(dir, "state"));
  const c = collector();
  const lines: string[] = [];
  c.state.refusing = true;
  const monitor = new HealthMonitor({ layout, send: c.send, windowMs: 200, log: (l) => lines.push(l), scheduler: { random: () => 0 } });
  t.teardown(() => monitor.stop());
  monitor.update(withProbes([http("web", `${base}/ok`, 0.05)]));

  // Windows of an absent server share queued batches (queue.ts): wait for three windows, in two files at least.
  const windowsQueued = async () => (await new HealthQueue(layout).list()).reduce((n, b) => n + b.probes.filter((w) => w.probe === "web").length, 0);
  await eventually("three windows queued", async () => queued(layout.healthDir).length >= 2 && (await windowsQueued()) >= 3, 5000);
  t.equal(c.batches.length, 0);
  t.equal(lines.filter((l) => l.includes("did not take")).length, 1, `said once, not every window: ${lines.join(" | ")}`);
  const waiting = queued(layout.healthDir);

  c.state.refusing = false;
  await eventually("the queue is delivered", () => queued(layout.healthDir).length === 0 && c.batches.length > waiting.length, 5000);
  t.same(
    c.batches.slice(0, waiting.length).map((b) => b.batchId),
    waiting.map((name) => name.replace(/\.json$/, "")),
    "oldest first, then the fresh one",
  );
  t.match(lines.join("\n"), /takes health batches again/);
});

t.test("a flush slower than the window: the next window goes to the queue, never a second send at once; nothing lost", async (t) => {
  const base = await target(t);
  const dir = t.testdir({});
  const layout = stateLayout(join(dir, "state"));
  const c = collector();
  c.state.delayMs = 450;
  let attempts = 0;
  const monitor = new HealthMonitor({ layout, send: c.send, windowMs: 200, scheduler: { random: () => 0, onAttempt: () => attempts++ } });
  monitor.update(withProbes([http("web", `${base}/ok`, 0.05)]));
  await sleep(1000);
  await monitor.stop();
  t.ok(c.batches.length >= 4, `${c.batches.length} batches`);
  t.equal(c.state.mostInFlight, 1, "one send at a time");
  t.equal(queued(layout.healthDir).length, 0, "stop() left nothing queued");
  t.equal(total(c.batches, "web", "count"), attempts, "every attempt is in a delivered window");
  const ids = c.batches.map((b) => b.batchId);
  t.same(ids, [...ids].sort(), "delivered in the order they were made");
});

t.test("the daemon probes the held catalog at start and after each enforcing run, and never waits for it", async (t) => {
  const events: string[] = [];
  const health: DaemonHealth = {
    // Never settles: a run loop that waited for it would hang.
    refresh: () => {
      events.push("refresh");
      return new Promise(() => undefined);
    },
    stop: async () => {
      events.push("stop");
    },
  };
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const result = (digest: string): RunResult => ({ report: create(ReportSchema, { catalogDigest: digest }), exitCode: 0, serverReachable: true, delivered: 1, stillQueued: 0 });
  const digests = ["aaaa", "", "bbbb"];
  let runs = 0;
  const runOnce = async (opts: RunOnceOptions): Promise<RunResult> => {
    events.push(opts.noop ? "noop run" : "run");
    return result(digests[runs++] ?? "cccc");
  };
  const holdWatch = (opts: WatchOptions) => new Promise<void>((resolve) => opts.signal.addEventListener("abort", () => resolve()));
  // runInterval 1 s, splay 0: a run now, then every second.
  const settings = { runInterval: 1, splay: 0, timeout: 5, stateDir: "/nonexistent" } as AgentSettings;
  const done = runDaemon({ settings, noop: false }, { stopped, onRun: () => undefined }, { runOnce, holdWatch, health: () => health });
  await eventually("three runs", () => runs >= 3, 5000);
  stop();
  await done;
  t.same(events.slice(0, 6), ["refresh", "run", "refresh", "run", "run", "refresh"], "at start; after a run with a catalog; not after one without");
  t.equal(events.at(-1), "stop", "stopped with the daemon");

  const noopEvents: string[] = [];
  let stopNoop!: () => void;
  const noopStopped = new Promise<void>((resolve) => (stopNoop = resolve));
  let noopRuns = 0;
  const noopDone = runDaemon(
    { settings, noop: true },
    { stopped: noopStopped, onRun: () => undefined },
    {
      runOnce: async () => {
        noopRuns++;
        noopEvents.push("noop run");
        return result("aaaa");
      },
      holdWatch,
      health: () => ({ refresh: async () => void noopEvents.push("refresh"), stop: async () => undefined }),
    },
  );
  await eventually("a noop run", () => noopRuns >= 1, 5000);
  stopNoop();
  await noopDone;
  t.same(noopEvents.slice(0, 2), ["refresh", "noop run"], "a noop run's catalog is not probed: the host was not brought to it");
  t.notOk(noopEvents.slice(1).includes("refresh"));
});

t.test("the daemon's monitor probes the verified cached catalog; without a server its batches wait on disk", async (t) => {
  const base = await target(t);
  const dir = t.testdir({});
  const settings = { runInterval: 1800, splay: 0, timeout: 5, stateDir: join(dir, "state"), certname: "node-a", factsDir: join(dir, "none"), renewBeforeDays: 30 } as AgentSettings;
  const layout = stateLayout(settings.stateDir);
  const ca = createCertificateAuthority("test CA");
  const key = generateKeyPair();
  const signer = {
    keyPem: key.privateKeyPem,
    certPem: issueCertificate(ca, { commonName: "catalog-signer", publicKeyPem: key.publicKeyPem, usage: "catalog-signing", serialHex: "52", validityDays: 1 }),
  };
  mkdirSync(layout.certsDir, { recursive: true });
  writeFileSync(layout.caCert, ca.certPem);
  const catalog: Catalog = { ...withProbes([http("web", `${base}/ok`, 0.05)], "v7"), certname: "node-a", serial: 3 };
  await saveCachedEnvelope(layout, signEnvelope(CATALOG_PAYLOAD_TYPE, Buffer.from(canonicalJson(catalog)), signer));

  const lines: string[] = [];
  const health = daemonHealth(settings, (l) => lines.push(l), 200);
  await health.refresh();
  t.match(lines[0], /^health: 1 probe\(s\) from catalog 0{12} \(site version v7\)$/);
  const queue = new HealthQueue(layout);
  await eventually(
    "windows of the cached catalog's probe queued",
    async () => (await queue.list()).some((b) => b.probes.some((w) => w.probe === "web" && w.siteVersion === "v7" && w.count > 0)),
    5000,
  );
  // Said once the batch is queued, so after the file appears: waited for, not raced.
  await eventually("no server: said once, queued", () => lines.some((l) => l.includes("did not take")), 5000);

  // A cache refused (another node's catalog) leaves the probes as they were, and says why.
  await saveCachedEnvelope(layout, signEnvelope(CATALOG_PAYLOAD_TYPE, Buffer.from(canonicalJson({ ...catalog, certname: "node-b" })), signer));
  await health.refresh();
  t.match(lines.at(-1), /health: probes unchanged: ANCLA_E_CATALOG_FOREIGN: cached catalog refused: catalog is for node-b/);
  const webAttempts = async () =>
    (await queue.list())
      .flatMap((b) => b.probes)
      .filter((w) => w.probe === "web")
      .reduce((n, w) => n + w.count, 0);
  const before = await webAttempts();
  await new Promise((resolve) => setTimeout(resolve, 150));
  await health.stop();
  t.ok((await webAttempts()) > before, "stop() flushed what the probe measured since, to the queue");
});

function queued(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => n.endsWith(".json"))
      .sort();
  } catch {
    return [];
  }
}
