import { createPrivateKey } from "node:crypto";
import t from "tap";
import { createCertificateAuthority, issueCertificate } from "../../pki/ca.js";
import { generateKeyPair, publicKeySha256 } from "../../pki/keys.js";

const pair = generateKeyPair();
const other = generateKeyPair(1024);

t.test("generateKeyPair makes RSA keys as PKCS#8 and SPKI PEM", async (t) => {
  t.match(pair.privateKeyPem, /^-----BEGIN PRIVATE KEY-----\n/);
  t.match(pair.publicKeyPem, /^-----BEGIN PUBLIC KEY-----\n/);
  t.match(createPrivateKey(pair.privateKeyPem).asymmetricKeyDetails, { modulusLength: 2048 });
  t.match(createPrivateKey(other.privateKeyPem).asymmetricKeyDetails, { modulusLength: 1024 });
});

t.test("publicKeySha256 is the same for the private key, public key and certificate", async (t) => {
  const ca = createCertificateAuthority("Keys CA");
  const certPem = issueCertificate(ca, { commonName: "web01", publicKeyPem: pair.publicKeyPem, usage: "client", serialHex: "1", validityDays: 1 });
  const digest = publicKeySha256(pair.publicKeyPem);
  t.match(digest, /^[0-9a-f]{64}$/);
  t.equal(publicKeySha256(pair.privateKeyPem), digest);
  t.equal(publicKeySha256(certPem), digest);
  t.not(publicKeySha256(other.publicKeyPem), digest);
});
