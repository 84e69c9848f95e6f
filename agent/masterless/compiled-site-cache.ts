// A masterless run compiles its site on every run, as cf-agent evaluates its
// policy on every run. The same site version (a hash of every site file), the
// same certname, the same facts (less the volatile ones) and the same agent
// build always compile to the same catalog, so the last compile is kept in
// the state dir and used again: an unchanged run then neither loads the site
// language (most of a masterless run's code and memory) nor compiles. Any
// change to one of those four compiles again. The file is a cache: one that
// cannot be read or does not match is ignored and replaced.
import { statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { canonicalJson, sha256Hex } from "../../catalog/canonical.js";
import type { Facts } from "../../catalog/compile-seam.js";
import { withoutVolatileFacts } from "../../catalog/facts.js";
import type { CatalogBody } from "../../catalog/model.js";
import { writeFileAtomic } from "../state/atomic-write.js";

export interface CompiledSite {
  body: CatalogBody;
  /** Content by digest the compile carried (files the site ships). */
  contents: ReadonlyMap<string, Uint8Array>;
}

interface Stored {
  key: string;
  body: CatalogBody;
  /** sha256 → base64. */
  contents: Record<string, string>;
}

/** Where the last compile is kept. */
export function compiledSiteFile(stateDir: string): string {
  return join(stateDir, "compiled-site.json");
}

/** What decides a compile's result; any change compiles again. */
export function compileKey(siteVersion: string, certname: string, facts: Facts): string {
  return sha256Hex(canonicalJson({ format: 1, agent: agentBuild(), siteVersion, certname, facts: withoutVolatileFacts(facts) }));
}

/** The kept compile for `key`, or undefined (none, another key, or unreadable). */
export async function keptCompile(file: string, key: string): Promise<CompiledSite | undefined> {
  let stored: Stored;
  try {
    stored = JSON.parse(await readFile(file, "utf8")) as Stored;
  } catch {
    return undefined;
  }
  if (stored?.key !== key || typeof stored.body !== "object" || stored.body === null) return undefined;
  const contents = new Map<string, Uint8Array>();
  for (const [sha256, base64] of Object.entries(stored.contents ?? {})) {
    const bytes = Buffer.from(base64, "base64");
    // A damaged entry would be written to the host as it is: recompile instead.
    if (sha256Hex(bytes) !== sha256) return undefined;
    contents.set(sha256, bytes);
  }
  return { body: stored.body, contents };
}

/** Keeps `compiled` for the next run; a cache that cannot be written only costs the next run a compile. */
export async function keepCompile(file: string, key: string, compiled: CompiledSite): Promise<void> {
  const contents = Object.fromEntries([...compiled.contents].map(([sha256, bytes]) => [sha256, Buffer.from(bytes).toString("base64")]));
  const stored: Stored = { key, body: compiled.body, contents };
  // Not durable: losing it to a power cut only costs a compile.
  await writeFileAtomic(file, JSON.stringify(stored), { mode: 0o600, durable: false }).catch(() => undefined);
}

/**
 * The running agent's build: its executable and main script as installed. An
 * upgrade replaces them, so a compile kept by an older agent (whose site
 * language may compile differently) is not used.
 */
function agentBuild(): string[] {
  return [process.execPath, process.argv[1] ?? ""].map((path) => {
    try {
      const st = statSync(path);
      return `${path} ${st.size} ${st.mtimeMs} ${st.ino}`;
    } catch {
      return path;
    }
  });
}
