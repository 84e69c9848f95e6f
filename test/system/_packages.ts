// Polling for what a booted root does in its own time (a unit starting, a daemon's first run).
import type { Test } from "tap";

/** Waits until `check` holds, polling; passes with `what`, or fails the test with it when it never does. */
export async function eventually(t: Test, what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) {
      t.pass(what);
      return true;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  t.fail(`${what}: not within ${timeoutMs} ms`);
  return false;
}
