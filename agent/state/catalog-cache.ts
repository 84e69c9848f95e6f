// The last verified catalog envelope, kept so the agent can converge while the
// server is unreachable. It is stored signed and verified again on every use.
import { readFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { DsseEnvelope } from "../../pki/dsse.js";
import { writeFileAtomic } from "./atomic-write.js";
import type { StateLayout } from "./layout.js";

interface StoredEnvelope {
  payloadType: string;
  /** base64 */
  payload: string;
  signatures: { keyid: string /** base64 */; sig: string; certPem: string }[];
}

export type CachedEnvelopeResult =
  | { envelope: DsseEnvelope; reason?: undefined }
  /** No usable cache; `reason` says why (absent or corrupt) for the run report. */
  | { envelope: undefined; reason: string };

export async function saveCachedEnvelope(layout: StateLayout, env: DsseEnvelope): Promise<void> {
  const stored: StoredEnvelope = {
    payloadType: env.payloadType,
    payload: Buffer.from(env.payload).toString("base64"),
    signatures: env.signatures.map((s) => ({ keyid: s.keyid, sig: Buffer.from(s.sig).toString("base64"), certPem: s.certPem })),
  };
  await mkdir(dirname(layout.catalog), { recursive: true });
  await writeFileAtomic(layout.catalog, JSON.stringify(stored), { mode: 0o600 });
}

/** Never throws: a missing or corrupt cache must not stop the agent from asking the server. */
export async function loadCachedEnvelope(layout: StateLayout): Promise<CachedEnvelopeResult> {
  let text: string;
  try {
    text = await readFile(layout.catalog, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { envelope: undefined, reason: code === "ENOENT" ? "no cached catalog" : `cannot read ${layout.catalog}: ${String(err)}` };
  }
  try {
    return { envelope: parseStored(JSON.parse(text)) };
  } catch (err) {
    return { envelope: undefined, reason: `cached catalog ${layout.catalog} is corrupt: ${(err as Error).message}` };
  }
}

/** The JSON form of an envelope (payload and signatures in base64), as cached here and as `apply --catalog` reads it. */
export function parseStored(value: unknown): DsseEnvelope {
  const v = value as Partial<StoredEnvelope> | null;
  if (!v || typeof v !== "object") throw new Error("not a JSON object");
  if (typeof v.payloadType !== "string") throw new Error("payloadType is not a string");
  if (!Array.isArray(v.signatures)) throw new Error("signatures is not a list");
  return {
    payloadType: v.payloadType,
    payload: decodeBase64(v.payload, "payload"),
    signatures: v.signatures.map((s, i) => {
      if (typeof s?.keyid !== "string" || typeof s.certPem !== "string") throw new Error(`signature ${i} lacks keyid or certPem`);
      return { keyid: s.keyid, sig: decodeBase64(s.sig, `signature ${i} sig`), certPem: s.certPem };
    }),
  };
}

function decodeBase64(value: unknown, what: string): Uint8Array {
  // Buffer.from(..., "base64") silently skips bad characters; check the alphabet first.
  if (typeof value !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw new Error(`${what} is not base64`);
  return new Uint8Array(Buffer.from(value, "base64"));
}
