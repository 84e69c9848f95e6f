// The catalog: what one node should look like. It is the payload of a signed
// DSSE envelope (payloadType CATALOG_PAYLOAD_TYPE), serialised in canonical JSON.
import type { SealedToKey, WrappedValueKey } from "../pki/seal-to-key.js";
import type { SecretUse } from "./secrets/markers.js";

export const CATALOG_PAYLOAD_TYPE = "application/vnd.ancla.catalog.v1+json";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface Resource {
  type: string;
  title: string;
  /** Desired properties (e.g. ensure, content, mode). */
  properties: { [key: string]: JsonValue };
  /** Report what would change but change nothing. */
  noop?: boolean;
  /** Values are redacted in reports and logs (always so for a resource that uses a secret). */
  sensitive?: boolean;
  /**
   * Why the compile could not complete it (a secret that does not exist): the
   * agent fails it, and skips what depends on it, without touching the host.
   */
  blocked?: string;
}

export type EdgeKind = "require" | "notify";

/** `from` must be applied before `to`; a notify edge also sends `to` a refresh when `from` changed. */
export interface Edge {
  from: string;
  to: string;
  kind: EdgeKind;
}

/**
 * A health check the agent runs between runs, on its own schedule, and
 * reports in windows (ReportHealth). Exactly one of http, tcp, command.
 */
export interface Probe {
  /** Unique within the catalog; what analysis checks and SLOs name. */
  name: string;
  /** An answer with `status`, and a body matching `body` (a regular expression) when given. */
  http?: { url: string; status: number; body?: string };
  /** A TCP connection accepted. */
  tcp?: { host: string; port: number };
  /** A command (run by /bin/sh) that exits 0. */
  command?: { command: string };
  /** Seconds between two attempts. */
  every: number;
  /** Seconds after which an attempt counts as a timeout. */
  timeout: number;
}

/** The compiled, deterministic part of a catalog: same inputs, same bytes. */
export interface CatalogBody {
  certname: string;
  siteVersion: string;
  resources: Resource[];
  edges: Edge[];
  /** Absent when the node has none, so catalogs without probes keep their bytes. */
  probes?: Probe[];
  /** The secrets its resources use (absent when none), and the key (SHA-256 of the node's public key) they are sealed to. */
  secrets?: { sealedTo: string; uses: SecretUse[] };
}

/** What the server signs: the body plus issuance metadata. */
export interface Catalog extends CatalogBody {
  apiVersion: "ancla/v1";
  /** Per-node, strictly increasing with each newly signed catalog; agents refuse a lower one. */
  serial: number;
  /** SHA-256 (hex) of the canonical body: the "have" digest of check-ins. */
  digest: string;
  compiledAt: string;
  expiresAt: string;
  /**
   * The values of `secrets.uses`, sealed to the node's key when signed (fresh
   * randomness each time, so outside the digest; inside the signature).
   */
  sealed?: { key: WrappedValueKey; values: { [name: string]: SealedToKey } };
}

export function resourceRef(r: Pick<Resource, "type" | "title">): string {
  return `${r.type}:${r.title}`;
}
