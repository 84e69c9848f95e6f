// How the operator CLI resolves `artifact: NAME@VERSION` when it compiles a
// site itself (site validate, catalog compile, catalog diff): from the
// server's artifact store when a server is configured and reachable; without
// one the references cannot be checked, so they compile to a placeholder
// digest and stderr says so, instead of failing a review on a laptop (as
// `puppet parser validate` does not need the Puppet Server either).
import { isAnclaError } from "../../core/errors.js";
import type { ArtifactLookup } from "../../catalog/site/artifact.js";
import type { ParsedArgs } from "../../core/cli.js";
import { ApiClient, ApiError } from "./client.js";
import { resolveConnection } from "./connection.js";
import type { ArtifactJson } from "../http/routes/artifacts.js";

/** Stands for an artifact that could not be looked up: not a digest any content has. */
export const UNCHECKED_ARTIFACT_SHA256 = "0".repeat(64);

export async function operatorArtifactLookup(args: ParsedArgs, note: (line: string) => void): Promise<ArtifactLookup> {
  let artifacts: ArtifactJson[];
  try {
    artifacts = (await new ApiClient(resolveConnection(args)).get<{ artifacts: ArtifactJson[] }>("/artifacts")).artifacts;
  } catch (err) {
    // Only "there is no server here" (or one from before the artifact store) falls back; a server that refuses us is a real error.
    if (err instanceof ApiError && err.status === 404) return uncheckedLookup(note, "the server has no artifact store (an older version)");
    if (!isAnclaError(err, "ANCLA_E_CONFIG") && !isAnclaError(err, "ANCLA_E_SERVER_UNREACHABLE")) throw err;
    return uncheckedLookup(note, "no server to look it up in (give --url/--token/--ca-file or --data-dir)");
  }
  const byRef = new Map(artifacts.map((a) => [`${a.name}@${a.version}`, a.sha256]));
  return async (name, version) => byRef.get(`${name}@${version}`);
}

function uncheckedLookup(note: (line: string) => void, why: string): ArtifactLookup {
  const said = new Set<string>();
  return async (name, version) => {
    const ref = `${name}@${version}`;
    if (!said.has(ref)) {
      said.add(ref);
      note(`artifact ${ref} not checked: ${why}; its digest shows as ${UNCHECKED_ARTIFACT_SHA256.slice(0, 12)}…`);
    }
    return UNCHECKED_ARTIFACT_SHA256;
  };
}
