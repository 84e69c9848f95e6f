// What the package system tests share: why they cannot run here, a booted
// root that looks like a host, and polling for what it does in its own time
// (a unit starting, a daemon's first run).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Test } from "tap";
import { buildAgentDeb } from "../../packaging/deb/agent-deb.js";
import { buildAgentExecutable } from "../../packaging/sea.js";
import { commandExists, type DebianRoot } from "./debian-root.js";

/** Why the package tests are skipped here, or false when they can run. */
export const packageTestSkip: string | false = !commandExists("systemd-nspawn")
  ? "systemd-nspawn is missing (apt-get install systemd-container)"
  : !commandExists("dpkg-deb")
    ? "dpkg-deb is missing"
    : false;

/** The agent executable built once into `base` (the slow part), then packaged as each of `versions`. */
export async function buildAgentDebs(base: string, ...versions: string[]): Promise<string[]> {
  const exe = await buildAgentExecutable(join(base, "ancla-agent"));
  return versions.map((version) => buildAgentDeb(exe.file, version, base).file);
}

/** Boots the root; debootstrap writes no /etc/hosts, and a real host has localhost in it (agents dial servers by name). */
export async function bootHost(root: DebianRoot): Promise<void> {
  await root.boot();
  writeFileSync(root.at("etc/hosts"), "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n");
}

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
