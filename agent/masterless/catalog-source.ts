// Where a masterless run gets its catalog: compiled here from a site
// directory (with this host's facts), or read from a file — a catalog body, a
// full catalog, or a signed DSSE envelope. Unsigned catalogs are accepted:
// without a server there is no signer, and whoever can write the file can run
// the agent anyway. An envelope is verified when a CA is given (--ca-file),
// and then counts like a server's catalog (certname, serial, expiry).
import { readFile } from "node:fs/promises";
import { canonicalJson, sha256Hex } from "../../catalog/canonical.js";
import { formatProblem, type Facts } from "../../catalog/compile-seam.js";
import { CATALOG_PAYLOAD_TYPE, type Catalog, type CatalogBody } from "../../catalog/model.js";
import { AnclaError } from "../../core/errors.js";
import { siteVersion } from "../../catalog/site-version.js";
import { parseStored } from "../state/catalog-cache.js";
import { compileKey, keepCompile, keptCompile, type CompiledSite } from "./compiled-site-cache.js";

export interface LoadedCatalog {
  catalog: Catalog;
  /** Report's catalogSource. */
  source: "site" | "file";
  /** Content by digest that came with it (a compile's files); empty for a catalog file. */
  contents: ReadonlyMap<string, Uint8Array>;
  /** A signature was checked against a CA: the catalog's serial may raise the held one. */
  verified: boolean;
  /** Said in the run's log (e.g. an envelope taken without checking its signature). */
  warnings: string[];
}

/**
 * The site compiled here for `certname`; with `keptIn` (a file in the state
 * dir), the last compile is used again while the site, facts and agent are
 * unchanged (compiled-site-cache.ts).
 */
export async function compileSite(siteDir: string, certname: string, facts: Facts, keptIn?: string): Promise<LoadedCatalog> {
  const key = keptIn === undefined ? undefined : compileKey(await siteVersion(siteDir), certname, facts);
  const kept = keptIn && key ? await keptCompile(keptIn, key) : undefined;
  const compiled = kept ?? (await compileNow(siteDir, certname, facts));
  if (keptIn && key && !kept) await keepCompile(keptIn, key, compiled);
  return { catalog: fromBody(compiled.body), source: "site", contents: compiled.contents, verified: false, warnings: [] };
}

async function compileNow(siteDir: string, certname: string, facts: Facts): Promise<CompiledSite> {
  // Loaded only here: the site language (CEL, Liquid) is most of what a --catalog run would otherwise load.
  const { createSiteCompiler } = await import("../../catalog/site/create-site-compiler.js");
  const result = await createSiteCompiler(siteDir).compile(certname, facts);
  if (!result.ok) {
    throw new AnclaError("ANCLA_E_COMPILE", `${siteDir} does not compile for ${certname}:\n  ${result.problems.map(formatProblem).join("\n  ")}`);
  }
  return { body: result.body, contents: result.contents };
}

export interface CatalogFileOptions {
  path: string;
  certname: string;
  /** PEM of the CA whose catalog signer must have signed an envelope. */
  caCertPem?: string;
  heldSerial: number;
}

export async function readCatalogFile(opts: CatalogFileOptions): Promise<LoadedCatalog> {
  const doc = await readJson(opts.path);
  const loaded = { source: "file" as const, contents: new Map<string, Uint8Array>() };
  if (!isEnvelope(doc)) {
    if (opts.caCertPem) throw new AnclaError("ANCLA_E_SIGNATURE_INVALID", `${opts.path} is not a signed envelope, but --ca-file asks for a verified catalog`);
    return { ...loaded, catalog: asCatalog(doc, opts.path), verified: false, warnings: [] };
  }
  const env = parseEnvelope(doc, opts.path);
  if (opts.caCertPem) {
    // Loaded only to verify: X.509 and DSSE (node-forge) would otherwise be a large part of every --catalog run's start-up.
    const { verifyCatalog } = await import("../run/verify-catalog.js");
    const catalog = verifyCatalog(env, { caCertPem: opts.caCertPem, certname: opts.certname, heldSerial: opts.heldSerial, now: new Date(), checkExpiry: true });
    return { ...loaded, catalog, verified: true, warnings: [] };
  }
  const payload = JSON.parse(Buffer.from(env.payload).toString("utf8")) as unknown;
  return { ...loaded, catalog: asCatalog(payload, opts.path), verified: false, warnings: [`${opts.path}: signature not verified (no --ca-file)`] };
}

/** A locally compiled body as a catalog: serial 0, so it never raises the serial a server's catalogs are held to. */
function fromBody(body: CatalogBody): Catalog {
  const now = new Date();
  return {
    apiVersion: "ancla/v1",
    ...body,
    serial: 0,
    digest: sha256Hex(canonicalJson(body)),
    compiledAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 3600_000).toISOString(),
  };
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new AnclaError("ANCLA_E_IO", `cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AnclaError("ANCLA_E_CATALOG_MALFORMED", `${path} is not JSON: ${(err as Error).message}`);
  }
}

function isEnvelope(doc: unknown): doc is { payloadType: unknown } {
  return typeof doc === "object" && doc !== null && "payloadType" in doc && "signatures" in doc;
}

function parseEnvelope(doc: unknown, path: string) {
  try {
    const env = parseStored(doc);
    if (env.payloadType !== CATALOG_PAYLOAD_TYPE) throw new Error(`payloadType is ${env.payloadType}, not ${CATALOG_PAYLOAD_TYPE}`);
    return env;
  } catch (err) {
    throw new AnclaError("ANCLA_E_CATALOG_MALFORMED", `${path}: ${(err as Error).message}`);
  }
}

/** A full catalog as it is, a body wrapped like a local compile; anything else is refused with what is wrong. */
function asCatalog(doc: unknown, path: string): Catalog {
  const problem = bodyProblem(doc);
  if (problem) throw new AnclaError("ANCLA_E_CATALOG_MALFORMED", `${path}: ${problem}`);
  const body = doc as CatalogBody & Partial<Catalog>;
  return body.apiVersion === "ancla/v1" && typeof body.serial === "number"
    ? (body as Catalog)
    : fromBody({
        certname: body.certname,
        siteVersion: body.siteVersion ?? "",
        resources: body.resources,
        edges: body.edges,
        ...(Array.isArray(body.probes) && body.probes.length > 0 ? { probes: body.probes } : {}),
      });
}

function bodyProblem(doc: unknown): string | undefined {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return "a catalog is a JSON object";
  const d = doc as Record<string, unknown>;
  if (typeof d.certname !== "string") return "certname is missing or not a string";
  if (!Array.isArray(d.resources)) return "resources is missing or not a list";
  if (!Array.isArray(d.edges)) return "edges is missing or not a list";
  const bad = d.resources.findIndex((r) => typeof r?.type !== "string" || typeof r?.title !== "string" || typeof r?.properties !== "object" || r.properties === null);
  if (bad >= 0) return `resources[${bad}] needs a type, a title and properties`;
  const badEdge = d.edges.findIndex((e) => typeof e?.from !== "string" || typeof e?.to !== "string" || (e.kind !== "require" && e.kind !== "notify"));
  if (badEdge >= 0) return `edges[${badEdge}] needs from, to and kind (require or notify)`;
  return undefined;
}
