// `ancla-server fingerprint`: the CA fingerprint agents pin, whole, from the
// data dir, any time after `init` printed it once.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { certificateFingerprint } from "../../pki/fingerprint.js";
import { AnclaError } from "../../core/errors.js";
import { dataDirPaths } from "../datadir.js";

export function caFingerprint(dataDir: string): { caCert: string; caFingerprint: string } {
  const { caCert } = dataDirPaths(resolve(dataDir));
  if (!existsSync(caCert)) throw new AnclaError("ANCLA_E_CA_MISSING", `${caCert} not found`);
  return { caCert, caFingerprint: certificateFingerprint(readFileSync(caCert, "utf8")) };
}
