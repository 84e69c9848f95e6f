// Just enough DER to cut a signed structure into its raw parts: a signature
// must be checked over the exact bytes received, not over a re-encoding. It
// reads what the agent reads (a certificate's CN, the CRL) without node-forge,
// which every agent run would otherwise load.
import { AnclaError } from "../core/errors.js";

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

/** [0] EXPLICIT version, present in every v3 certificate. */
const VERSION_TAG = 0xa0;

/** A certificate's subject Name element (tag, length and contents exactly as encoded), from its DER. */
export function certificateSubject(certDer: Buffer): DerElement {
  const [certificate] = derElements(certDer);
  const [tbs] = certificate ? derElements(certificate.contents) : [];
  const fields = tbs ? derElements(tbs.contents) : [];
  // After the optional version: serialNumber, signature, issuer, validity, subject.
  const subject = fields[(fields[0]?.tag === VERSION_TAG ? 1 : 0) + 4];
  if (!subject) throw malformed("no subject");
  return subject;
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
