// The image resource's catalog properties, validated into a typed spec. The
// compiler fills the defaults (keep 2, deadline 30 s, status 200); they are
// applied here too, so a hand-written catalog file means the same thing.
import { isAbsolute } from "node:path";
import type { JsonValue, Resource } from "../../catalog/model.js";
import { ResourceFailure } from "./provider.js";

export type HealthProbe = { command: string } | { http: { url: string; status: number; maxMs?: number } };

export type HealthSpec = HealthProbe & {
  /** Seconds from the switch within which the probe must pass. */
  deadline: number;
};

export interface ImageSpec {
  path: string;
  /** SHA-256 (hex) of the tar or tar.gz. */
  digest: string;
  /** "name@version" when the image came from the server's artifact store. */
  artifact?: string;
  /** Slots kept under path/slots (the current and the previous one are never removed). */
  keep: number;
  health?: HealthSpec;
}

const KNOWN = new Set(["path", "content_sha256", "artifact", "keep", "health"]);

export function parseImageSpec(resource: Resource): ImageSpec {
  const p = resource.properties;
  for (const key of Object.keys(p)) {
    if (!KNOWN.has(key)) throw new ResourceFailure(key, `image does not support the property "${key}"`);
  }
  if (typeof p.path !== "string" || !isAbsolute(p.path) || p.path === "/") throw new ResourceFailure("path", `path must be an absolute directory other than /; got ${JSON.stringify(p.path)}`);
  if (typeof p.content_sha256 !== "string" || !/^[0-9a-f]{64}$/i.test(p.content_sha256)) {
    throw new ResourceFailure("content_sha256", `content_sha256 must be 64 hex digits (the image's SHA-256); got ${JSON.stringify(p.content_sha256)}`);
  }
  const spec: ImageSpec = { path: p.path.replace(/\/+$/, ""), digest: p.content_sha256.toLowerCase(), keep: whole(p.keep, "keep", 1) ?? 2 };
  if (typeof p.artifact === "string") spec.artifact = p.artifact;
  if (p.health !== undefined) spec.health = parseHealth(p.health);
  return spec;
}

function parseHealth(v: JsonValue): HealthSpec {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new ResourceFailure("health", "health must be a map with `command` or `http`, and `deadline`");
  const deadline = whole(v.deadline, "health.deadline", 1) ?? 30;
  if (typeof v.command === "string" && v.command !== "" && v.http === undefined) return { command: v.command, deadline };
  const http = v.http;
  if (v.command === undefined && typeof http === "object" && http !== null && !Array.isArray(http) && typeof http.url === "string" && /^https?:\/\//.test(http.url)) {
    const probe: HealthSpec = { http: { url: http.url, status: whole(http.status, "health.http.status", 100) ?? 200 }, deadline };
    const maxMs = whole(http.max_ms, "health.http.max_ms", 1);
    if (maxMs !== undefined) probe.http.maxMs = maxMs;
    return probe;
  }
  throw new ResourceFailure("health", "health needs either `command` (a shell command) or `http` (with an http:// or https:// `url`), not both or neither");
}

function whole(v: JsonValue | undefined, name: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === "number" && Number.isInteger(v) && v >= min) return v;
  throw new ResourceFailure(name, `${name} must be a whole number of at least ${min}; got ${JSON.stringify(v)}`);
}

/** How reports name an image's digest, like file content. */
export function shown(digest: string | undefined): string {
  return digest ? `sha256:${digest}` : "absent";
}
