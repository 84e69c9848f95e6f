// What the agent remembers between runs: the desired-state digests used for
// drift classification and the highest catalog serial seen (to refuse rollback).
import { mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { AnclaError } from "../../core/errors.js";
import type { DesiredMemory } from "../engine/drift.js";
import { writeFileAtomic } from "./atomic-write.js";
import type { StateLayout } from "./layout.js";

export interface AgentMemory {
  serial: number;
  resources: DesiredMemory;
}

export const EMPTY_MEMORY: AgentMemory = Object.freeze({ serial: 0, resources: Object.freeze({}) });

/** A missing file is an empty memory; an unreadable one is an error the caller must report (the serial guards against rollback). */
export async function loadMemory(layout: StateLayout): Promise<AgentMemory> {
  let text: string;
  try {
    text = await readFile(layout.memory, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return EMPTY_MEMORY;
    throw new AnclaError("ANCLA_E_IO", `cannot read ${layout.memory}: ${String(err)}`, { cause: err });
  }
  return parseMemory(text, layout.memory);
}

export async function saveMemory(layout: StateLayout, memory: AgentMemory): Promise<void> {
  await mkdir(dirname(layout.memory), { recursive: true });
  await writeFileAtomic(layout.memory, JSON.stringify(memory), { mode: 0o600 });
}

function parseMemory(text: string, path: string): AgentMemory {
  const corrupt = (why: string) => new AnclaError("ANCLA_E_IO", `${path} is corrupt (${why}); move it aside to start with an empty memory`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw corrupt((err as Error).message);
  }
  const v = value as Partial<AgentMemory> | null;
  if (!v || typeof v !== "object") throw corrupt("not a JSON object");
  if (typeof v.serial !== "number" || !Number.isInteger(v.serial) || v.serial < 0) throw corrupt("serial is not a non-negative integer");
  if (!v.resources || typeof v.resources !== "object" || Array.isArray(v.resources)) throw corrupt("resources is not an object");
  for (const [ref, digest] of Object.entries(v.resources)) {
    if (typeof digest !== "string") throw corrupt(`digest of ${ref} is not a string`);
  }
  return { serial: v.serial, resources: v.resources };
}
