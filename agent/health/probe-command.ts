// A command probe: `/bin/sh -c COMMAND`, exit 0 is ok, any other exit a
// `status` error. The command runs in its own process group, so at the
// timeout the whole group is killed (a shell's children too), not only sh.
import { spawn } from "node:child_process";
import type { Probe } from "../../catalog/model.js";
import { refusal, since, timedOut, type Attempt } from "./outcome.js";

export function commandAttempt(spec: NonNullable<Probe["command"]>, timeoutSeconds: number): Promise<Attempt> {
  const start = performance.now();
  return new Promise<Attempt>((resolve) => {
    const child = spawn("/bin/sh", ["-c", spec.command], { stdio: "ignore", detached: true });
    let timedOutAlready = false;
    const timer = setTimeout(() => {
      timedOutAlready = true;
      killGroup(child.pid);
    }, timeoutSeconds * 1000);
    child.once("error", (err) => {
      clearTimeout(timer);
      resolve(refusal(err, since(start)));
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (timedOutAlready) resolve(timedOut(timeoutSeconds));
      else if (code === 0) resolve({ outcome: "ok", latencyMs: since(start) });
      else resolve({ outcome: "status", latencyMs: since(start), detail: signal ? `killed by ${signal}` : `exit ${code}` });
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // Gone already.
  }
}
