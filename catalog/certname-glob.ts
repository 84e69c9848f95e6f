// A certname glob as the API takes it (bootstrap token scopes, run now, secret
// scopes): picomatch, read like nodes.yaml rules (`dot`: a certname is one
// name, not a path), and a glob picomatch would quietly read as something else
// ("[" as a literal) is refused, so nothing is ever scoped by a typo.
import picomatch from "picomatch";
import { AnclaError } from "../core/errors.js";

/** The glob's matcher; ANCLA_E_INVALID_ARGUMENT naming `what` when it is not a valid glob. */
export function certnameGlob(glob: string, what: string): (certname: string) => boolean {
  let isMatch: picomatch.Matcher;
  try {
    isMatch = picomatch(glob, { dot: true, strictBrackets: true });
  } catch (err) {
    throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", `${what} "${glob}" is not a valid glob: ${(err as Error).message}`);
  }
  // Not isMatch itself: picomatch reads a second argument (filter's index, say) as "return a match object".
  return (certname) => isMatch(certname);
}
