// A catalog's secret values, sealed to its node's key by the server when it
// signs the catalog and opened by the agent when it applies it. Each value is
// bound (as associated data) to the node, the secret and the version, so a
// value cannot be passed off as another secret's, another version's or
// another node's.
import type { KeyObject } from "node:crypto";
import { newValueKey, openValue, openValueKey, sealValue } from "../../pki/seal-to-key.js";
import type { Catalog } from "../model.js";
import type { SecretUse } from "./markers.js";

export type SealedSecrets = NonNullable<Catalog["sealed"]>;

const aad = (certname: string, use: SecretUse): string => `ancla-catalog-secret:${certname}:${use.name}:${use.version}`;

export function sealSecrets(to: KeyObject | string, certname: string, values: readonly (SecretUse & { value: Uint8Array })[]): SealedSecrets {
  const { key, wrapped } = newValueKey(to);
  try {
    const sealed: SealedSecrets["values"] = {};
    for (const v of values) sealed[v.name] = sealValue(key, v.value, aad(certname, v));
    return { key: wrapped, values: sealed };
  } finally {
    key.fill(0);
  }
}

/** One secret's value, or why this node cannot have it (ANCLA_E_SECRET_UNREADABLE's message). */
export type Opened = { ok: true; value: Buffer } | { ok: false; message: string };

/**
 * Every value the catalog uses, opened with the node's key: one RSA operation
 * for the catalog, then one AES-GCM per value. A value that does not open is
 * said per secret, so only the resources using it fail.
 */
export function openSecrets(catalog: Catalog, privateKeyPem: string): Map<string, Opened> {
  const out = new Map<string, Opened>();
  const uses = catalog.secrets?.uses ?? [];
  if (uses.length === 0) return out;
  const fail = (message: string): Map<string, Opened> => {
    for (const use of uses) out.set(use.name, { ok: false, message });
    return out;
  };
  const { sealed: all } = catalog;
  if (!all) return fail("the catalog uses secrets but carries none");
  let key: Buffer;
  try {
    key = openValueKey(privateKeyPem, all.key);
  } catch (err) {
    return fail((err as Error).message);
  }
  try {
    for (const use of uses) {
      const sealed = Object.hasOwn(all.values, use.name) ? all.values[use.name] : undefined;
      if (!sealed) out.set(use.name, { ok: false, message: `secret "${use.name}" is not in the catalog` });
      else {
        try {
          out.set(use.name, { ok: true, value: openValue(key, sealed, aad(catalog.certname, use), `secret "${use.name}" (version ${use.version})`) });
        } catch (err) {
          out.set(use.name, { ok: false, message: (err as Error).message });
        }
      }
    }
  } finally {
    key.fill(0);
  }
  return out;
}
