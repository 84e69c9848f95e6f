// The catalog the agent holds between runs: the cached envelope in the state
// dir, verified again (as every use of it is) against the pinned CA, this
// node's certname and the held revocation list. Its expiry is not checked: a
// held catalog stays in force while the server is away, and so do its probes.
// What the daemon's health monitor probes, and what `ancla-agent probe` runs
// when no --catalog is given.
import { readFile } from "node:fs/promises";
import type { Catalog } from "../../catalog/model.js";
import { AnclaError } from "../../core/errors.js";
import { verifyCatalog } from "../run/verify-catalog.js";
import type { AgentSettings } from "../settings.js";
import { loadCachedEnvelope } from "../state/catalog-cache.js";
import { stateLayout } from "../state/layout.js";
import { loadRevocations } from "../state/revocations.js";

export type HeldCatalog =
  | { catalog: Catalog; problem?: undefined }
  /** `absent`: there is no cached catalog at all (nothing was ever received), as opposed to one that is refused. */
  | { catalog: undefined; problem: AnclaError; absent: boolean };

/** Never throws: a missing or refused cache is an answer with its reason. */
export async function heldCatalog(settings: Pick<AgentSettings, "stateDir" | "certname">): Promise<HeldCatalog> {
  const layout = stateLayout(settings.stateDir);
  const cached = await loadCachedEnvelope(layout);
  if (!cached.envelope) {
    const absent = cached.reason === "no cached catalog";
    return { catalog: undefined, problem: new AnclaError("ANCLA_E_NO_CATALOG", absent ? `no cached catalog in ${layout.catalog}` : cached.reason), absent };
  }
  let caCertPem: string;
  try {
    caCertPem = await readFile(layout.caCert, "utf8");
  } catch {
    return refused(new AnclaError("ANCLA_E_NOT_BOOTSTRAPPED", `cannot verify the cached catalog: ${layout.caCert} is missing`));
  }
  if (!settings.certname) return refused(new AnclaError("ANCLA_E_NOT_BOOTSTRAPPED", `cannot verify the cached catalog: no certname in ${layout.dir}`));
  try {
    const revocations = await loadRevocations(layout, caCertPem);
    const catalog = verifyCatalog(cached.envelope, { caCertPem, certname: settings.certname, heldSerial: 0, now: new Date(), checkExpiry: false, revokedSerials: revocations.serials });
    return { catalog };
  } catch (err) {
    const e = err as AnclaError;
    return refused(new AnclaError(e.code ?? "ANCLA_E_CATALOG_MALFORMED", `cached catalog refused: ${e.message}`));
  }
}

function refused(problem: AnclaError): HeldCatalog {
  return { catalog: undefined, problem, absent: false };
}
