// The certificates page tells each row's state apart: the whole key
// fingerprint of a waiting request (and whether it renews an expired
// certificate), signed or expired, rejected or revoked with its time, and
// links to a node page only when the node has one.
import t from "tap";
import { formatSha256 } from "../../pki/fingerprint.js";
import { publicKeySha256 } from "../../pki/keys.js";
import { agentCsr, startTestApi } from "../server/_helpers.js";
import { fetchPage, login } from "./_helpers.js";

/** The HTML of the table row of `certname`. */
function row(page: string, certname: string): string {
  const m = new RegExp(`<tr data-certname="${certname}">([\\s\\S]*?)</tr>`).exec(page);
  if (!m) throw new Error(`no row for ${certname}`);
  return m[1];
}

t.test("each certificate row shows its state, times and key, and links only to nodes that exist", async (t) => {
  const api = await startTestApi(t);
  const { certs, store } = api;
  const waiting = agentCsr("new-01");
  await certs.submitCsr(waiting.csrPem, undefined);
  for (const name of ["web-01", "ghost-01", "rej-01", "old-01"]) await certs.submitCsr(agentCsr(name).csrPem, undefined);
  await store.nodes.recordCheckin("web-01", {}, new Date());
  await certs.sign("web-01", "ops");
  await certs.sign("ghost-01", "ops");
  await certs.reject("rej-01", "ops");
  await certs.sign("old-01", "ops");
  await certs.revoke("old-01", "ops");
  // Certificates whose validity ended (issued long ago): one stays so, the other's host asks again with its key.
  const past = new Date(Date.now() - 86_400_000);
  const expiredKey = agentCsr("exp-01");
  for (const [serialHex, c] of [
    ["e1", expiredKey],
    ["e2", agentCsr("exp-02")],
  ] as const) {
    const request = { certname: c === expiredKey ? "exp-01" : "exp-02", csrPem: c.csrPem, publicKeySha256: publicKeySha256(c.keys.publicKeyPem), requestedAt: past };
    await store.certificates.insertSignedCertificate(request, { certPem: "-", serialHex, notAfter: past, signedAt: past });
  }
  await certs.submitCsr(expiredKey.csrPem, undefined);

  const page = (await fetchPage(api, "/certificates", { cookie: await login(api, api.tokens.viewer) })).text;
  t.match(row(page, "new-01"), formatSha256(publicKeySha256(waiting.keys.publicKeyPem)), "the whole key fingerprint of a waiting request");
  t.notMatch(row(page, "new-01"), "href=", "no node page to link to");
  t.match(row(page, "exp-01"), /badge s-pending renewal">pending renewal<.*of expired certificate <code title="e1">/s, "marked as a renewal of the expired certificate");
  t.match(row(page, "web-01"), '<a href="/nodes/web-01">web-01</a>', "a node that checked in is linked");
  t.match(row(page, "web-01"), '<span class="badge s-signed">signed</span>');
  t.notMatch(row(page, "ghost-01"), "href=", "a node that never checked in is not linked");
  t.match(row(page, "exp-02"), '<span class="badge s-expired">expired</span>', "a signed certificate past its validity shows as expired");
  t.match(row(page, "rej-01"), /s-rejected">rejected<\/span><\/td><td><time[^>]*>[^<]*<\/time><\/td><td>rejected <time datetime="/, "a rejection shows when it happened");
  t.notMatch(row(page, "rej-01"), /revoked|never/, "a rejected request is not shown as revoked");
  t.match(row(page, "old-01"), /<td>revoked <time datetime="/);
});
