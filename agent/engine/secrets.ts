// A catalog's secrets put in place for one run, in memory: each resource that
// uses one gets a copy whose markers are replaced by the decrypted values;
// the catalog (cached, on disk) keeps only ciphertext. A secret that does not
// open (another node's key, an altered value) blocks only the resources that
// use it, with a message naming it. What the run remembers and compares
// (drift memory) is the catalog's own resource, which names secrets by
// version: a rotation is a change of intent, and no digest of a value is kept.
import type { Catalog, Resource } from "../../catalog/model.js";
import { holdsMarker, mapMarked, replaceMarkers } from "../../catalog/secrets/markers.js";
import type { Opened } from "../../catalog/secrets/sealed.js";

export interface ResolvedResources {
  /** The catalog's resources, those that use secrets replaced by resolved copies. */
  resources: Resource[];
  /** Each resolved copy's resource as the catalog holds it. */
  original: WeakMap<Resource, Resource>;
}

/** `privateKeyPem`: the node's key; none (a masterless agent never bootstrapped) blocks every resource that uses a secret. */
export async function resolveSecrets(catalog: Catalog, privateKeyPem: string | undefined): Promise<ResolvedResources> {
  const original = new WeakMap<Resource, Resource>();
  const uses = catalog.secrets?.uses ?? [];
  if (uses.length === 0 && !catalog.resources.some((r) => r.sensitive && holdsMarker(r.properties))) return { resources: catalog.resources, original };
  // Loaded only for a catalog that carries secrets: an unchanged run of one that does not loads no X.509 or key code (test/packaging/agent-bundle).
  const opened = privateKeyPem && uses.length > 0 ? (await import("../../catalog/secrets/sealed.js")).openSecrets(catalog, privateKeyPem) : new Map<string, Opened>();
  const versions = new Map(uses.map((u) => [u.name, u.version]));
  const texts = new Map<string, string>();
  /** The value's text, or why this node cannot have it. */
  const secretText = (name: string, version: number | undefined): { text: string } | { blocked: string } => {
    const value = opened.get(name);
    if (version === undefined || versions.get(name) !== version) return { blocked: `secret "${name}" is not bound to a version in this catalog` };
    if (!value) return { blocked: privateKeyPem ? `secret "${name}" is not in the catalog` : `secret "${name}" needs this node's key, and it has none (bootstrap the agent)` };
    if (!value.ok) return { blocked: value.message };
    let text = texts.get(name);
    if (text === undefined) texts.set(name, (text = value.value.toString("utf8")));
    return { text };
  };
  const resources = catalog.resources.map((resource) => {
    if (resource.blocked || !resource.sensitive || !holdsMarker(resource.properties)) return resource;
    let blocked: string | undefined;
    const put = (s: string): string => {
      const replaced = replaceMarkers(s, (name, version) => {
        const value = secretText(name, version);
        if ("text" in value) return value.text;
        blocked ??= value.blocked;
        return "";
      });
      if (replaced === undefined) blocked ??= "a secret in this resource was altered";
      return replaced ?? "";
    };
    const properties = mapMarked(resource.properties, put);
    const resolved: Resource = blocked ? { ...resource, blocked } : { ...resource, properties };
    original.set(resolved, resource);
    return resolved;
  });
  for (const value of opened.values()) if (value.ok) value.value.fill(0);
  return { resources, original };
}
