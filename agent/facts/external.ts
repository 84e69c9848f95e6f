// External facts, Facter-style: every file in the facts directory (settings:
// facts_dir, default /etc/ancla/facts.d) adds top-level facts under its own names. Static
// .json/.yaml/.yml files are read; executables are run (each with a timeout)
// and print JSON or YAML. Files are taken in name order, a later one wins a
// name, and external facts win over core ones (as in Facter), so a site can
// correct a fact this host gets wrong. A bad file costs only its own facts and
// a problem line, never the run.
import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { parse } from "yaml";
import type { Facts } from "../../catalog/compile-seam.js";
import type { JsonValue } from "../../catalog/model.js";
import { runCommand } from "../providers/command.js";

export const EXTERNAL_FACT_TIMEOUT_MS = 10_000;

export interface ExternalFacts {
  facts: Facts;
  /** One line per file that gave nothing: what and why. */
  problems: string[];
}

const STATIC = new Set([".json", ".yaml", ".yml"]);

export async function collectExternalFacts(dir: string, timeoutMs = EXTERNAL_FACT_TIMEOUT_MS): Promise<ExternalFacts> {
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return [];
    throw err;
  });
  // Executables run in parallel; the merge below keeps name order.
  const results = await Promise.all(names.sort().map((name) => readFactFile(join(dir, name), timeoutMs)));
  const facts: Facts = {};
  const problems: string[] = [];
  for (const result of results) {
    if (typeof result === "string") problems.push(result);
    else if (result) Object.assign(facts, result);
  }
  return { facts, problems };
}

/** The file's facts, a problem line, or undefined for a file that is not a fact source (README, backup~). */
async function readFactFile(path: string, timeoutMs: number): Promise<Facts | string | undefined> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return undefined;
    if (info.mode & 0o111) return asFacts(path, await runFactCommand(path, timeoutMs));
    if (!STATIC.has(extname(path))) return undefined;
    return asFacts(path, await readFile(path, "utf8"));
  } catch (err) {
    return `${path}: ${(err as Error).message.split("\n")[0]}`;
  }
}

async function runFactCommand(path: string, timeoutMs: number): Promise<string> {
  const result = await runCommand([path], { signal: AbortSignal.timeout(timeoutMs), fullStdout: true }).catch((err: Error) => {
    throw new Error(err.name === "AbortError" ? `took longer than ${timeoutMs} ms; stopped` : err.message);
  });
  if (result.code !== 0) throw new Error(`exited with ${result.code ?? result.signal}: ${result.output.trim().split("\n").at(-1) ?? ""}`);
  return result.stdout;
}

/** JSON is YAML, so one parser reads both; the document must be a mapping. */
function asFacts(path: string, text: string): Facts | string {
  const doc = parse(text) as JsonValue | undefined;
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) return `${path}: facts must be a mapping of names to values`;
  return doc;
}
