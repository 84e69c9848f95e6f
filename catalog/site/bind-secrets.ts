// A resource's secrets bound for one node, once its values are evaluated: each
// marker (catalog/secrets/markers.ts) becomes the secret's current version, or
// a problem where the secret is named when the node is out of its scope. A
// secret that does not exist blocks only the resources that use it: they stay
// in the catalog, failed, so their dependents are skipped and the rest of the
// node converges (one missing credential must not stop a whole host).
import type { JsonValue } from "../model.js";
import type { SecretDirectory } from "../secrets/directory.js";
import { mapMarked, replaceMarkers, secretMarker } from "../secrets/markers.js";
import type { ResourceDecl } from "./resource-decl.js";
import type { Sink, Value } from "./value.js";
import type { Where } from "./yaml-file.js";

type Json = { [key: string]: JsonValue };

export interface SecretBinding {
  directory: SecretDirectory;
  certname: string;
  environment: string;
  /** Filled in: each secret bound so far, by name, to its version. */
  uses: Map<string, number>;
}

export type Bound = { ok: true; properties: Json; sensitive: boolean; blocked?: string } | { ok: false };

export function bindSecrets(b: SecretBinding, decl: ResourceDecl, ref: string, properties: Json, report: Sink, warn: Sink): Bound {
  let sensitive = false;
  let blocked: string | undefined;
  let ok = true;
  const bindText = (key: string, text: string): string => {
    sensitive = true;
    const bound = replaceMarkers(text, (name) => {
      const placed = b.directory.place(name, b.certname, b.environment);
      if (placed.ok) {
        b.uses.set(name, placed.version);
        return secretMarker(name, placed.version);
      }
      if (placed.missing) {
        blocked ??= placed.message;
        warn(secretWhere(decl, key, name), `${ref} fails on the node, and what depends on it is skipped, until it exists: ${placed.message}`);
      } else {
        ok = false;
        report(secretWhere(decl, key, name), placed.message);
      }
      return secretMarker(name);
    });
    if (bound !== undefined) return bound;
    ok = false;
    report(secretWhere(decl, key), "a secret can be placed into text only as it is: here an expression cut or changed what secret() gave");
    return text;
  };
  const out: Json = {};
  for (const [key, value] of Object.entries(properties)) out[key] = mapMarked(value, (text) => bindText(key, text));
  if (!ok) return { ok: false };
  return sensitive ? { ok: true, properties: out, sensitive, blocked } : { ok: true, properties, sensitive };
}

/** Where property `key` names secret `name`: the expression that passes it to secret(), else the property's value (a template's key). */
function secretWhere(decl: ResourceDecl, key: string, name?: string): Where {
  const entry = decl.properties.find((p) => p.key === key);
  if (entry) return (name && expressionNaming(entry.value, name)) || entry.value.where;
  if (decl.body && (key === "content" || key === decl.body.kind))
    return (name && expressionNaming(decl.body.value, name)) || (decl.body.kind === "template" ? decl.body.keyWhere : decl.body.value.where);
  return decl.title.keyWhere;
}

function expressionNaming(value: Value, name: string): Where | undefined {
  switch (value.kind) {
    case "constant":
      return undefined;
    case "expr":
      return value.expr.program.secrets.has(name) ? value.expr.where : undefined;
    case "text":
      for (const piece of value.pieces) if (typeof piece !== "string" && piece.program.secrets.has(name)) return piece.where;
      return undefined;
    case "list":
      return value.items.map((v) => expressionNaming(v, name)).find((w) => w !== undefined);
    case "map":
      return value.entries.map((e) => expressionNaming(e.value, name)).find((w) => w !== undefined);
  }
}
