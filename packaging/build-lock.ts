// One builder at a time for what packaging caches under dist/runtime/ (the
// fetched runtimes, the rebuilt native module): test files run in parallel,
// and two fetching the same runtime must not rename over each other or delete
// what the other is using. A lock file holding the builder's pid; one whose
// builder died is taken over.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";

/** Runs `build` holding `lock`, unless `done()` already holds when it is free. */
export function underBuildLock<T>(lock: string, done: () => T | undefined, build: () => T): T {
  for (;;) {
    const ready = done();
    if (ready !== undefined) return ready;
    if (tryLock(lock)) break;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
  }
  try {
    return done() ?? build();
  } finally {
    rmSync(lock, { force: true });
  }
}

function tryLock(lock: string): boolean {
  try {
    writeFileSync(lock, `${process.pid}\n`, { flag: "wx" });
    return true;
  } catch {
    let holder: number;
    try {
      holder = Number(readFileSync(lock, "utf8").trim());
    } catch {
      return false; // Released just now: try again.
    }
    // No pid yet: its builder is writing it.
    if (!(holder > 0) || existsSync(`/proc/${holder}`)) return false;
    rmSync(lock, { force: true });
    return false;
  }
}
