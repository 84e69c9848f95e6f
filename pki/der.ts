// Just enough DER to cut a signed structure into its raw parts: a signature
// must be checked over the exact bytes received, not over a re-encoding.
import { AnclaError } from "../proto/errors.js";

export interface DerElement {
  tag: number;
  /** Tag, length and contents. */
  whole: Buffer;
  contents: Buffer;
}

/** The consecutive top-level TLV elements in `buf`. Throws AnclaError(ANCLA_E_CERT_INVALID) on truncation. */
export function derElements(buf: Buffer): DerElement[] {
  const out: DerElement[] = [];
  for (let at = 0; at < buf.length; ) {
    const { header, length } = readHeader(buf, at);
    const end = at + header + length;
    if (end > buf.length) throw malformed("truncated element");
    out.push({ tag: buf[at], whole: buf.subarray(at, end), contents: buf.subarray(at + header, end) });
    at = end;
  }
  return out;
}

function readHeader(buf: Buffer, at: number): { header: number; length: number } {
  if (at + 2 > buf.length) throw malformed("truncated header");
  const first = buf[at + 1];
  if (first < 0x80) return { header: 2, length: first };
  const n = first & 0x7f;
  // Multi-byte tags never occur in the structures read here; lengths beyond 4 bytes are absurd.
  if (n === 0 || n > 4 || at + 2 + n > buf.length) throw malformed("bad length");
  return { header: 2 + n, length: buf.readUIntBE(at + 2, n) };
}

function malformed(reason: string): AnclaError {
  return new AnclaError("ANCLA_E_CERT_INVALID", `malformed DER: ${reason}`);
}
