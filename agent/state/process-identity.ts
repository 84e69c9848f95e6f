// Is the agent that left a file behind (the run lock, a temp file) still
// running? A pid alone cannot say: after a crash the kernel hands the pid to
// any new process (`sleep 120 & echo $! > run.lock` blocked every run). A
// lock's holder keeps it open, so the kernel tells (holdsOpen); for a file
// nobody keeps open, its writer is alive only if a process by that pid runs
// the same program as we do and started before the file was written
// (writerAlive). Linux /proc answers; where it cannot be read, the pid alone
// decides, as before.
import { readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";

/** The clock tick /proc/PID/stat counts in: USER_HZ is 100 on every Linux ABI. */
const TICK_MS = 10;
/** Start times from /proc are good to a tick and clocks move; within this a writer counts as started before its write. */
const CLOCK_SLACK_MS = 1000;

/** Whether process `pid`, which wrote a file last modified at `writtenAtMs` (epoch ms), still runs. */
export function writerAlive(pid: number, writtenAtMs: number): boolean {
  // Our own pid too: in a container the agent may get the same pid every time, and a
  // file its previous incarnation left is then an orphan all the same.
  if (!pidExists(pid)) return false;
  const exe = executableOf(pid);
  if (exe === undefined) return true; // no /proc, or not ours to read: the pid is all we know
  if (exe !== executableOf(process.pid)) return false;
  const startedAt = startTimeOf(pid);
  return startedAt === undefined || startedAt <= writtenAtMs + CLOCK_SLACK_MS;
}

/**
 * Whether process `pid` has the file `file` (its device and inode) open: the
 * kernel closes a process's files when it dies, so only the live holder of a
 * lock has it open, whatever became of its pid. Undefined when the process's
 * open files cannot be read (no /proc, or not ours to read).
 */
export function holdsOpen(pid: number, file: { dev: number; ino: number }): boolean | undefined {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  return fds.some((fd) => {
    try {
      const st = statSync(`/proc/${pid}/fd/${fd}`);
      return st.dev === file.dev && st.ino === file.ino;
    } catch {
      return false; // closed meanwhile
    }
  });
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The program a process runs; an upgrade that replaced the binary leaves " (deleted)" behind it. */
function executableOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, "");
  } catch {
    return undefined;
  }
}

/** When the process started (epoch ms), from its start tick and the system's uptime. */
function startTimeOf(pid: number): number | undefined {
  try {
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const startTicks = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
    const uptimeMs = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]) * 1000;
    if (!Number.isFinite(startTicks) || !Number.isFinite(uptimeMs)) return undefined;
    return Date.now() - uptimeMs + startTicks * TICK_MS;
  } catch {
    return undefined;
  }
}
