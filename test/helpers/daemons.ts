// Agents running as daemons (`ancla-agent run` without --once) for end-to-end
// tests: the built CLI, its own agent.yaml, its output kept, stopped by the
// test that started it (also when the test fails).
import type { Test } from "tap";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Agent } from "./fleet.js";
import { ROOT } from "./processes.js";

const STOP_GRACE_MS = 15_000;

export interface Daemon {
  certname: string;
  /** stdout (one report a run) and stderr (problems, the Watch stream's news) so far. */
  stdout(): string;
  stderr(): string;
  /** Runs it has reported, from the catalog's `source` (server, cache) or any. */
  runs(source?: string): number;
  /** SIGTERM, and the exit code once it has stopped. */
  stop(): Promise<number | null>;
}

export interface DaemonSettings {
  /** Seconds between runs (run_interval); an hour keeps the timer out of a test. */
  runInterval: number;
  splay?: number;
  /** Seconds a server call may take. */
  timeout?: number;
  noop?: boolean;
  /** Seconds per health window (health_window); 10 by default, as in agent.yaml. */
  healthWindow?: number;
}

export function startDaemon(t: Test, agent: Agent, settings: DaemonSettings): Daemon {
  const config = join(agent.stateDir, "..", `agent-${agent.certname}.yaml`);
  writeFileSync(
    config,
    `state_dir: ${agent.stateDir}\nrun_interval: ${settings.runInterval}\nsplay: ${settings.splay ?? 0}\ntimeout: ${settings.timeout ?? 5}\nhealth_window: ${settings.healthWindow ?? 10}\n`,
  );
  const args = [join(ROOT, "dist/agent/cli/main.js"), "run", "--config", config, ...(settings.noop ? ["--noop"] : [])];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      // SIGTERM lets a run under way finish; one that hangs must not hang the suite.
      setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS).unref();
    }
    return exited;
  };
  t.teardown(stop);
  return {
    certname: agent.certname,
    stdout: () => stdout,
    stderr: () => stderr,
    runs: (source) => stdout.split("\n").filter((l) => l.startsWith("run ") && (source === undefined || l.includes(`from ${source}`))).length,
    stop,
  };
}
