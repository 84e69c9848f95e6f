// Conversions between pki's DSSE envelope and the wire message, shared by the
// server (which signs and stores) and the agent (which verifies and caches).
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { EnvelopeSchema, type Envelope } from "../proto/gen/ancla/v1/envelope_pb.js";
import type { DsseEnvelope } from "../pki/dsse.js";
import type { Catalog } from "./model.js";

export function envelopeToMessage(env: DsseEnvelope): Envelope {
  return create(EnvelopeSchema, {
    payloadType: env.payloadType,
    payload: env.payload,
    signatures: env.signatures.map((s) => ({ keyid: s.keyid, sig: s.sig, certPem: s.certPem })),
  });
}

export function envelopeFromMessage(msg: Envelope): DsseEnvelope {
  return {
    payloadType: msg.payloadType,
    payload: msg.payload,
    signatures: msg.signatures.map((s) => ({ keyid: s.keyid, sig: s.sig, certPem: s.certPem })),
  };
}

export function encodeEnvelope(env: DsseEnvelope): Uint8Array {
  return toBinary(EnvelopeSchema, envelopeToMessage(env));
}

export function decodeEnvelope(bytes: Uint8Array): DsseEnvelope {
  return envelopeFromMessage(fromBinary(EnvelopeSchema, bytes));
}

/** The catalog a stored envelope carries, read without verifying it: only for envelopes this server signed and stored itself. */
export function storedCatalog(bytes: Uint8Array): Catalog {
  return JSON.parse(Buffer.from(decodeEnvelope(bytes).payload).toString("utf8")) as Catalog;
}
