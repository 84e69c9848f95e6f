// Before the agent touches anything: the envelope must be signed by the
// pinned CA's catalog signer, the catalog must be for this node, well formed,
// and not older than the one already held.
import { CATALOG_PAYLOAD_TYPE, type Catalog } from "../../catalog/model.js";
import { verifyEnvelope, type DsseEnvelope } from "../../pki/dsse.js";
import { AnclaError } from "../../core/errors.js";

export interface VerifyContext {
  caCertPem: string;
  certname: string;
  /** Highest serial this agent has accepted. */
  heldSerial: number;
  now: Date;
  /** Expiry guards against replay of old catalogs from the wire; a cached catalog, verified on arrival, stays usable while the server is away. */
  checkExpiry: boolean;
  /** Serials (lowercase hex) of the CA's revocation list this agent holds: a catalog they signed is refused. */
  revokedSerials?: Set<string>;
}

function parseCatalog(payload: Uint8Array): Catalog {
  let doc: Partial<Catalog>;
  try {
    doc = JSON.parse(Buffer.from(payload).toString("utf8")) as Partial<Catalog>;
  } catch (err) {
    throw new AnclaError("ANCLA_E_CATALOG_MALFORMED", `payload is not JSON: ${(err as Error).message}`);
  }
  const ok =
    doc !== null &&
    typeof doc === "object" &&
    doc.apiVersion === "ancla/v1" &&
    typeof doc.certname === "string" &&
    typeof doc.serial === "number" &&
    typeof doc.digest === "string" &&
    typeof doc.expiresAt === "string" &&
    Array.isArray(doc.resources) &&
    Array.isArray(doc.edges);
  if (!ok) throw new AnclaError("ANCLA_E_CATALOG_MALFORMED", "missing or mistyped catalog fields");
  return doc as Catalog;
}

export function verifyCatalog(env: DsseEnvelope, ctx: VerifyContext): Catalog {
  const payload = verifyEnvelope(env, ctx.caCertPem, CATALOG_PAYLOAD_TYPE, { now: ctx.now, revokedSerials: ctx.revokedSerials });
  const catalog = parseCatalog(payload);
  if (catalog.certname !== ctx.certname) throw new AnclaError("ANCLA_E_CATALOG_FOREIGN", `catalog is for ${catalog.certname}, this node is ${ctx.certname}`);
  if (catalog.serial < ctx.heldSerial) throw new AnclaError("ANCLA_E_CATALOG_STALE", `catalog serial ${catalog.serial} is older than the held serial ${ctx.heldSerial}`);
  if (ctx.checkExpiry && Date.parse(catalog.expiresAt) < ctx.now.getTime()) throw new AnclaError("ANCLA_E_CATALOG_EXPIRED", `catalog expired at ${catalog.expiresAt}`);
  return catalog;
}
