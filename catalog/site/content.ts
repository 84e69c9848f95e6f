// Content addressed by SHA-256: small content travels inline in the catalog,
// large content (and anything that is not text) by digest, its bytes served
// separately (FetchContent) from `CompileResult.contents`.
import { sha256Hex } from "../canonical.js";
import { hasMarker } from "../secrets/markers.js";

/** Up to this many bytes, content is inline: one fetch less for the agent, a catalog still small. */
export const INLINE_LIMIT = 16 * 1024;

export type Addressed = { content: string } | { content_sha256: string };

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Text holding a secret stays inline, however long: the agent puts the value in place within the catalog it decrypts. */
export function addressText(text: string, contents: Map<string, Uint8Array>): Addressed {
  if (text.length <= INLINE_LIMIT / 4 || Buffer.byteLength(text) <= INLINE_LIMIT || hasMarker(text)) return { content: text };
  return byDigest(new TextEncoder().encode(text), contents);
}

/** Bytes of a file: inline only when allowed, small, and valid UTF-8 (a JSON string cannot carry arbitrary bytes). */
export function addressBytes(bytes: Uint8Array, contents: Map<string, Uint8Array>, inline: boolean): Addressed {
  if (inline && bytes.length <= INLINE_LIMIT) {
    const text = decode(bytes);
    if (text !== undefined) return { content: text };
  }
  return byDigest(bytes, contents);
}

function byDigest(bytes: Uint8Array, contents: Map<string, Uint8Array>): Addressed {
  const digest = sha256Hex(bytes);
  contents.set(digest, bytes);
  return { content_sha256: digest };
}

function decode(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}
