// Serial numbers travel as hex strings between forge, node:crypto (uppercase,
// sometimes zero-padded), the CRL and the server's database. One canonical form
// everywhere: lowercase hex, leading zeros stripped ("0" for zero). Comparing
// serials is then plain string equality.
import { AnclaError } from "../core/errors.js";

/** The canonical form of a serial: lowercase hex without leading zeros. */
export function normalizeSerialHex(hex: string): string {
  if (!/^[0-9a-f]+$/i.test(hex)) throw new AnclaError("ANCLA_E_USAGE", `serial number is not hex: "${hex}"`);
  return hex.toLowerCase().replace(/^0+(?=.)/, "");
}

/** Even-length hex of the DER INTEGER contents of a positive integer (a serial, a CRL number): a 00 byte is prepended when the top bit is set, so it stays positive. */
export function positiveIntegerHex(hex: string): string {
  const canonical = normalizeSerialHex(hex);
  const even = canonical.length % 2 ? `0${canonical}` : canonical;
  return parseInt(even.slice(0, 2), 16) >= 0x80 ? `00${even}` : even;
}
