// Sealing values to one node's key: one wrapped value key per catalog, each
// value under it. They open with that node's key and the same associated data
// only; another key, a changed byte, a shortened tag or other associated data
// is refused with an error that names what was refused.
import t, { type Test } from "tap";
import { isAnclaError } from "../../core/errors.js";
import { generateKeyPair, publicKeySha256 } from "../../pki/keys.js";
import { newValueKey, openValue, openValueKey, sealValue } from "../../pki/seal-to-key.js";

const node = generateKeyPair();
const other = generateKeyPair();
const AAD = "ancla-secret:db-password:3:web-01";

function refused(t: Test, fn: () => unknown, message: RegExp, what: string): void {
  try {
    fn();
    t.fail(`${what}: opened`);
  } catch (err) {
    t.ok(isAnclaError(err, "ANCLA_E_SECRET_UNREADABLE"), `${what}: ANCLA_E_SECRET_UNREADABLE`);
    t.match((err as Error).message, message, what);
  }
}

t.test("values sealed under a wrapped value key open with the node's key", async (t) => {
  const { key, wrapped } = newValueKey(node.publicKeyPem);
  const sealed = sealValue(key, Buffer.from("pg-password"), AAD);
  const opened = openValueKey(node.privateKeyPem, wrapped);
  t.equal(openValue(opened, sealed, AAD, 'secret "db-password"').toString(), "pg-password");
  t.notOk(JSON.stringify({ wrapped, sealed }).includes("pg-password"), "no plaintext in the sealed form");
  t.not(sealValue(key, Buffer.from("pg-password"), AAD).ct, sealed.ct, "sealing twice gives other bytes");
});

t.test("another key, a changed byte, a short tag or other associated data is refused", async (t) => {
  const { key, wrapped } = newValueKey(node.publicKeyPem);
  const sealed = sealValue(key, Buffer.from("pg-password"), AAD);
  refused(t, () => openValueKey(other.privateKeyPem, wrapped), /sealed to another key.*this node's key changed/, "another node's key");
  const relabelled = { ...wrapped, kid: publicKeySha256(other.publicKeyPem) };
  refused(t, () => openValueKey(other.privateKeyPem, relabelled), /does not unwrap with this node's key/, "labelled for this key, wrapped to another");
  const ct = Buffer.from(sealed.ct, "base64");
  ct[0] ^= 1;
  refused(t, () => openValue(key, { ...sealed, ct: ct.toString("base64") }, AAD, 'secret "db-password"'), /secret "db-password" does not decrypt/, "a flipped bit");
  refused(t, () => openValue(key, sealed, "ancla-secret:api-key:1:web-01", 'secret "api-key"'), /secret "api-key" does not decrypt/, "presented as another secret");
  refused(t, () => openValue(key, { ...sealed, tag: Buffer.from(sealed.tag, "base64").subarray(0, 4).toString("base64") }, AAD, "x"), /does not decrypt/, "a tag cut to 4 bytes");
});
