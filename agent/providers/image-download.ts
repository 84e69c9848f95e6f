// An image's bytes, fetched by digest into <state>/image/downloads/<sha256>.part.
// A download cut short (a broken stream, a killed agent) keeps its partial
// file and resumes from its size on the next try; the whole file is hashed
// before anything uses it, and a file that does not match is discarded.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { ResourceFailure } from "./provider.js";

export type ContentStream = (sha256: string, offset: number) => AsyncIterable<Uint8Array>;

export interface Downloaded {
  file: string;
  /** Bytes that were already on disk from an earlier try. */
  resumedAt: number;
  bytes: number;
}

export function partialFile(dir: string, digest: string): string {
  return join(dir, `${digest}.part`);
}

/** Fetches `digest` (resuming a partial file) and verifies it; the caller removes `file` once it is unpacked. */
export async function download(dir: string, digest: string, stream: ContentStream, signal: AbortSignal, onStart: (resumedAt: number) => void): Promise<Downloaded> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = partialFile(dir, digest);
  const resumedAt = await sizeOf(file);
  onStart(resumedAt);
  const hash = createHash("sha256");
  // The prefix from an earlier try counts towards the digest like the rest.
  if (resumedAt > 0) for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  const out = await open(file, "a", 0o600);
  let bytes = resumedAt;
  try {
    for await (const chunk of stream(digest, resumedAt)) {
      signal.throwIfAborted();
      await out.write(chunk);
      hash.update(chunk);
      bytes += chunk.length;
    }
    await out.sync();
  } finally {
    await out.close();
  }
  const got = hash.digest("hex");
  if (got !== digest) {
    await unlink(file);
    throw new ResourceFailure("content_sha256", `the image downloaded for sha256:${digest} (${bytes} bytes) has sha256:${got}; refused and discarded`, "ANCLA_E_CONTENT_MISMATCH");
  }
  return { file, resumedAt, bytes };
}

async function sizeOf(file: string): Promise<number> {
  return stat(file).then(
    (st) => st.size,
    () => 0,
  );
}
