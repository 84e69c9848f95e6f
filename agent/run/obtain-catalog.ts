// Which catalog this run applies: the server's (new or "not modified"), or,
// when the server is away or cannot compile, the last verified one from the
// cache. A catalog that fails verification is never applied, wherever it came from.
import type { JsonObject } from "@bufbuild/protobuf";
import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Facts } from "../../catalog/compile-seam.js";
import { envelopeFromMessage } from "../../catalog/envelope.js";
import type { Catalog } from "../../catalog/model.js";
import { SERVER_CERT_RENEW_DAYS } from "../../pki/server-cert-renewal.js";
import type { DsseEnvelope } from "../../pki/dsse.js";
import { AnclaError, isAnclaError, type AnclaErrorCode } from "../../core/errors.js";
import { loadCachedEnvelope, saveCachedEnvelope } from "../state/catalog-cache.js";
import { acceptRevocations, loadRevocations, type HeldRevocations } from "../state/revocations.js";
import type { StateLayout } from "../state/layout.js";
import { saveMemory, type AgentMemory } from "../state/memory.js";
import { explainTransportError, isUnreachable, type AgentClient } from "../transport.js";
import { verifyCatalog, type VerifyContext } from "./verify-catalog.js";

export type CatalogSource = "server" | "cache" | "none";

export interface Obtained {
  catalog?: Catalog;
  source: CatalogSource;
  /** Why no catalog (or only the cached one) is applied. */
  problems: AnclaError[];
  serverReachable: boolean;
}

export interface ObtainOptions {
  client: AgentClient;
  layout: StateLayout;
  facts: Facts;
  memory: AgentMemory;
  caCertPem: string;
  certname: string;
  server: string;
  timeoutMs: number;
}

async function verifiedCache(opts: ObtainOptions, ctx: VerifyContext): Promise<{ catalog?: Catalog; problem?: AnclaError; signerEndsSoon?: boolean }> {
  const cached = await loadCachedEnvelope(opts.layout);
  if (!cached.envelope) return { problem: new AnclaError("ANCLA_E_NO_CATALOG", cached.reason) };
  // Parsed once here: both the renewal check and the clock-skew check need only its dates.
  const signer = signerValidity(cached.envelope);
  try {
    return { catalog: verifyCatalog(cached.envelope, { ...ctx, checkExpiry: false }), signerEndsSoon: signerEndsSoon(signer, ctx.now) };
  } catch (err) {
    const e = err as AnclaError;
    return { problem: clockSkew(signer, ctx.now) ?? new AnclaError(e.code ?? "ANCLA_E_CATALOG_MALFORMED", `cached catalog refused: ${e.message}`) };
  }
}

interface Validity {
  from: Date;
  to: Date;
}

/** The validity of the envelope's signing certificate, or undefined when there is none that parses (verifyCatalog says why). */
function signerValidity(envelope: DsseEnvelope): Validity | undefined {
  try {
    const cert = new X509Certificate(envelope.signatures[0]?.certPem ?? "");
    return { from: new Date(cert.validFrom), to: new Date(cert.validTo) };
  } catch {
    return undefined;
  }
}

// A verified catalog always has a signer that parses; without one, asking afresh is the safe answer.
function signerEndsSoon(signer: Validity | undefined, now: Date): boolean {
  return signer === undefined || signer.to.getTime() - now.getTime() < SERVER_CERT_RENEW_DAYS * 86_400_000;
}

/**
 * A cached catalog whose signing certificate is outside its validity by this
 * host's clock: most likely the clock is wrong (a signer is issued for years),
 * so say that rather than only "invalid".
 */
function clockSkew(signer: Validity | undefined, now: Date): AnclaError | undefined {
  if (signer === undefined || (now >= signer.from && now <= signer.to)) return undefined;
  const validity = `its signing certificate is valid from ${signer.from.toISOString()} to ${signer.to.toISOString()}`;
  return new AnclaError("ANCLA_E_CLOCK_SKEW", `cached catalog refused: clock skew: this host's time is ${now.toISOString()}, but ${validity}`);
}

export async function obtainCatalog(opts: ObtainOptions): Promise<Obtained> {
  const revocations = await loadRevocations(opts.layout, opts.caCertPem);
  const ctx: VerifyContext = {
    caCertPem: opts.caCertPem,
    certname: opts.certname,
    heldSerial: opts.memory.serial,
    now: new Date(),
    checkExpiry: true,
    revokedSerials: revocations.serials,
  };
  let cache = await verifiedCache(opts, ctx);
  let asked = await ask(opts, cache, revocations);
  if (!asked.ok) return asked.obtained;
  if (asked.revocations !== revocations) {
    // A newer revocation list came: the held catalog may be signed by a key it revokes (a rotated signing key).
    ctx.revokedSerials = asked.revocations.serials;
    const recheck = await verifiedCache(opts, ctx);
    if (cache.catalog && !recheck.catalog) {
      // The server's copy, signed by its current key, replaces it: no problem of this run.
      cache = {};
      if (asked.response.result.case === "notModified") asked = await ask(opts, cache, asked.revocations);
      if (!asked.ok) return asked.obtained;
    } else cache = recheck;
  }
  return accept(opts, ctx, cache, asked.response);
}

type Response = Awaited<ReturnType<AgentClient["getCatalog"]>>;
type Cache = Awaited<ReturnType<typeof verifiedCache>>;
type Asked = { ok: true; response: Response; revocations: HeldRevocations } | { ok: false; obtained: Obtained };

/** One GetCatalog: the server's answer and the revocation list held after it, or what to apply when there is no answer. */
async function ask(opts: ObtainOptions, cache: Cache, revocations: HeldRevocations): Promise<Asked> {
  // A held catalog whose signer nears its end is asked for again (no digest): the server signs anew with its renewed certificate.
  const haveDigest = cache.catalog && !cache.signerEndsSoon ? cache.catalog.digest : "";
  let response: Response;
  try {
    response = await opts.client.getCatalog({ facts: opts.facts as JsonObject, haveDigest, haveCrlDigest: revocations.sha256 }, { timeoutMs: opts.timeoutMs });
  } catch (err) {
    const reachable = !isUnreachable(err);
    const explained = await explainTransportError(err, opts.server);
    // A revoked certificate stays revoked, whatever its age: then nothing is applied.
    const revoked = isAnclaError(explained) && explained.code === "ANCLA_E_CERT_REVOKED";
    const expired = reachable && !revoked ? await ownCertificateExpired(opts.layout, new Date()) : undefined;
    return { ok: false, obtained: fallBackToCache(expired ?? explained, cache, reachable) };
  }
  if (response.crlDer.length === 0) return { ok: true, response, revocations };
  try {
    return { ok: true, response, revocations: await acceptRevocations(opts.layout, opts.caCertPem, revocations, response.crlDer) };
  } catch (err) {
    if (!isAnclaError(err)) throw err;
    return { ok: false, obtained: { source: "none", problems: [new AnclaError(err.code, `the server sent a revocation list that does not verify: ${err.message}`)], serverReachable: true } };
  }
}

/** The server's answer checked against the cache: the catalog to apply, verified, and kept for the next run. */
async function accept(opts: ObtainOptions, ctx: VerifyContext, cache: Cache, response: Response): Promise<Obtained> {
  const result = response.result;
  if (result.case === "notModified" && cache.catalog?.digest === response.digest) {
    return { catalog: cache.catalog, source: "server", problems: [], serverReachable: true };
  }
  if (result.case !== "catalog") {
    return { source: "none", problems: [new AnclaError("ANCLA_E_CATALOG_MALFORMED", "the server answered without a catalog")], serverReachable: true };
  }
  const envelope = envelopeFromMessage(result.value);
  let catalog: Catalog;
  try {
    catalog = verifyCatalog(envelope, ctx);
  } catch (err) {
    if (!isAnclaError(err)) throw err;
    return { source: "none", problems: [err], serverReachable: true };
  }
  await saveCachedEnvelope(opts.layout, envelope);
  // The serial is remembered as soon as a catalog is accepted (also in noop), so an older one is refused from now on.
  await saveMemory(opts.layout, { ...opts.memory, serial: catalog.serial });
  const problems = cache.problem && cache.problem.code !== "ANCLA_E_NO_CATALOG" ? [cache.problem] : [];
  return { catalog, source: "server", problems, serverReachable: true };
}

/**
 * The server refuses an expired certificate, as it must. Past its expiry the
 * host was offline a long time: it keeps converging to its last verified
 * catalog (revoked hosts do not: the server says revoked, not expired) while
 * the renewal waits for an operator, and the report says so.
 */
async function ownCertificateExpired(layout: StateLayout, now: Date): Promise<AnclaError | undefined> {
  let validTo: Date;
  try {
    validTo = new Date(new X509Certificate(await readFile(layout.agentCert)).validTo);
  } catch {
    return undefined;
  }
  if (validTo > now) return undefined;
  return new AnclaError(
    "ANCLA_E_CERT_EXPIRED",
    `this agent's certificate expired on ${validTo.toISOString()}: the server refuses it, so the last verified catalog is applied until an operator approves the renewal`,
  );
}

/**
 * Answers that say nothing against the cached catalog: the server is away,
 * cannot compile for us, or failed itself, or this host cannot talk TLS to it
 * (clock skew, a --server name the certificate is not for), or this host's
 * own certificate expired while it was away.
 */
const CACHE_ON = new Set<AnclaErrorCode>(["ANCLA_E_SERVER_UNREACHABLE", "ANCLA_E_COMPILE", "ANCLA_E_INTERNAL", "ANCLA_E_CLOCK_SKEW", "ANCLA_E_TLS_NAME_MISMATCH", "ANCLA_E_CERT_EXPIRED"]);

/**
 * The server is away, cannot compile for us, failed, or refuses us. Away,
 * unable to compile or failed: keep converging to the last good catalog (like
 * Puppet's cached catalog, CFEngine's autonomy), the problem says which it
 * was. Refused (revoked, not ours): apply nothing.
 */
function fallBackToCache(err: Error, cache: { catalog?: Catalog; problem?: AnclaError }, reachable: boolean): Obtained {
  const problem = err instanceof AnclaError ? err : new AnclaError("ANCLA_E_SERVER_UNREACHABLE", err.message);
  const usesCache = CACHE_ON.has(problem.code);
  if (usesCache && cache.catalog) return { catalog: cache.catalog, source: "cache", problems: [problem], serverReachable: reachable };
  return { source: "none", problems: cache.problem ? [problem, cache.problem] : [problem], serverReachable: reachable };
}
