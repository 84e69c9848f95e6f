// `npm run bench [-- NAME...]`: the benchmarks (all, or those named), each
// printed as a table and as one JSON line so results can be compared between
// commits. Never part of `npm test`. Tune with ANCLA_BENCH_* variables.
import { benchAgentVsPeers } from "./agent-vs-peers.js";
import { benchApiUnderLoad } from "./api-under-load.js";
import { benchCheckins } from "./checkins.js";
import { benchCompile } from "./compile.js";
import { benchFleet } from "./fleet.js";
import { benchHealth } from "./health.js";
import { benchRollout } from "./rollout.js";
import { benchSecrets } from "./secrets.js";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

type Flat = Record<string, number>;

/** Flattens the peers' nested results ("N=100" → "ancla unchanged" → {wall, cpu, rssMb}) into rows. */
async function flattenPeers(): Promise<Flat> {
  const sizes = (process.env.ANCLA_BENCH_SIZES ?? "100,1000").split(",").map(Number);
  const results = await benchAgentVsPeers({ sizes, rounds: env("ANCLA_BENCH_ROUNDS", 5) });
  const flat: Flat = {};
  for (const [size, rows] of Object.entries(results)) {
    for (const [row, sample] of Object.entries(rows)) {
      for (const [metric, value] of Object.entries(sample)) flat[`${size} ${row} ${metric}`] = value;
    }
  }
  return flat;
}

const benches: Record<string, { describe: string; run(): Promise<Flat> }> = {
  "agent-vs-peers": {
    describe: "ancla vs puppet apply vs cf-agent on the same files and execs: first converge, no-change, drift repair (median wall s, cpu s, peak RSS MB)",
    run: flattenPeers,
  },
  compile: {
    describe: "site compile, in-process on one core: a 1,000-resource catalog (p50/p90 of repeated compiles) and 1,000 nodes of 100 resources",
    run: () => benchCompile({ repeats: env("ANCLA_BENCH_REPEATS", 50), nodes: env("ANCLA_BENCH_NODES", 1000) }),
  },
  secrets: {
    describe: "a 1,000-resource catalog compiled without secrets and with 50 (revealed through the local KMS and sealed to the node's key), alternated; the agent opening the 50 (median ms)",
    run: () => benchSecrets({ repeats: env("ANCLA_BENCH_REPEATS", 30) }),
  },
  checkins: {
    describe: "check-ins against a real server process on loopback from simulated agents in this process (median of rounds)",
    run: () => benchCheckins({ agents: env("ANCLA_BENCH_AGENTS", 200), rounds: env("ANCLA_BENCH_ROUNDS", 5), roundSeconds: env("ANCLA_BENCH_ROUND_SECONDS", 3) }),
  },
  "api-under-load": {
    describe: "GET /api/v1/nodes latency (client ms) on a 1,000-node server, at rest and while one node sends the largest reports and facts the limits allow",
    run: () => benchApiUnderLoad({ requests: env("ANCLA_BENCH_REQUESTS", 300) }),
  },
  rollout: {
    describe:
      "rollouts on a real server process with simulated daemons holding Watch streams: start → canary report, failed run → every moved node back on the stable release (median ms), and server memory per Watch stream and check-ins/s with 1,000 streams open",
    run: () =>
      benchRollout({
        agents: env("ANCLA_BENCH_AGENTS", 200),
        watchAgents: env("ANCLA_BENCH_WATCH_AGENTS", 1000),
        rounds: env("ANCLA_BENCH_ROUNDS", 3),
        roundSeconds: env("ANCLA_BENCH_ROUND_SECONDS", 3),
      }),
  },
  fleet: {
    describe: "10,000 nodes and 1,000,000 events in a real data dir: ReportRun ingest over mTLS gRPC, and server time (Server-Timing, ms) of the API and dashboard pages over HTTPS",
    run: () =>
      benchFleet({
        nodes: env("ANCLA_BENCH_FLEET_NODES", 10_000),
        reportsPerNode: env("ANCLA_BENCH_FLEET_REPORTS", 10),
        eventsPerReport: env("ANCLA_BENCH_FLEET_EVENTS", 10),
        agents: env("ANCLA_BENCH_FLEET_AGENTS", 50),
        reportsPerAgent: env("ANCLA_BENCH_FLEET_AGENT_REPORTS", 40),
        requests: env("ANCLA_BENCH_FLEET_REQUESTS", 30),
      }),
  },
  health: {
    describe:
      "10,000 nodes × 3 probes every 10 s: ReportHealth ingest over mTLS gRPC into a real server process (probe windows/s, batch p50/p95 ms), a 500-node canary against the 9,500-node control over 10 minutes of a seeded store (median/p95 ms), and the real agent daemon probing on loopback (CPU % of one core, RSS MB)",
    run: () =>
      benchHealth({
        agents: env("ANCLA_BENCH_HEALTH_AGENTS", 200),
        seconds: env("ANCLA_BENCH_HEALTH_SECONDS", 10),
        nodes: env("ANCLA_BENCH_HEALTH_NODES", 10_000),
        canary: env("ANCLA_BENCH_HEALTH_CANARY", 500),
        minutes: env("ANCLA_BENCH_HEALTH_MINUTES", 10),
        agentSeconds: env("ANCLA_BENCH_HEALTH_AGENT_SECONDS", 600),
      }),
  },
};

const selected = process.argv.slice(2);
for (const name of selected) if (!benches[name]) throw new Error(`unknown benchmark "${name}"; choose from ${Object.keys(benches).join(", ")}`);
for (const name of selected.length ? selected : Object.keys(benches)) {
  const results = await benches[name].run();
  process.stdout.write(`${name}: ${benches[name].describe}\n`);
  for (const [key, value] of Object.entries(results)) process.stdout.write(`  ${key.padEnd(30)} ${Number.isInteger(value) ? value : value.toFixed(3)}\n`);
  process.stdout.write(JSON.stringify({ bench: name, ...results }) + "\n");
}
