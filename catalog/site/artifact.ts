// `artifact: NAME@VERSION`: an image pushed to the server's artifact store
// (`ancla artifact push`), named in the site by name and version and put into
// the signed catalog by its SHA-256. The catalog layer cannot import the
// server, so whoever compiles passes a lookup; a compile without one (a
// masterless agent, a check on a laptop) has no store and says so.
import type { Addressed } from "./content.js";

/** The digest pushed as `name@version`, or undefined when there is none. */
export type ArtifactLookup = (name: string, version: string) => Promise<string | undefined>;

export const ARTIFACT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const ARTIFACT_VERSION = /^[A-Za-z0-9][A-Za-z0-9.+~_-]*$/;

export type ArtifactResolved = { ok: true; addressed: Addressed & { artifact: string } } | { ok: false; message: string };

export async function resolveArtifact(ref: string, lookup: ArtifactLookup | undefined): Promise<ArtifactResolved> {
  const at = ref.lastIndexOf("@");
  const name = ref.slice(0, at);
  const version = ref.slice(at + 1);
  if (at <= 0 || !ARTIFACT_NAME.test(name) || !ARTIFACT_VERSION.test(version)) {
    return { ok: false, message: `\`artifact\` must be NAME@VERSION, like "webapp@2.1.0", not ${JSON.stringify(ref)}` };
  }
  if (!lookup) {
    return {
      ok: false,
      message: `\`artifact: ${ref}\` needs the server's artifact store, and this compile has none (masterless, or outside the server); ship the image in the module with \`source: files/...\`, or let the server compile`,
    };
  }
  const sha256 = await lookup(name, version);
  if (!sha256) return { ok: false, message: `no artifact ${ref} in the server's artifact store; push it with \`ancla artifact push FILE --name ${name} --version ${version}\`` };
  return { ok: true, addressed: { content_sha256: sha256, artifact: ref } };
}
