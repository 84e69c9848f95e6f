// Agent certificates renew themselves before they expire: the next run asks
// for a new certificate over mTLS, installs it, and keeps working with it.
// A host offline past its certificate's expiry is not locked out: its next
// run asks over the bootstrap channel with the same key and says why; the
// request waits for an operator as a renewal (a token never signs it); once
// signed, the following run installs the new certificate and works again.
import BetterSqlite3 from "better-sqlite3";
import t, { type Test } from "tap";
import { X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { issueCertificate, randomSerialHex } from "../../pki/ca.js";
import { formatSha256 } from "../../pki/fingerprint.js";
import { publicKeySha256 } from "../../pki/keys.js";
import { dataDirPaths } from "../../server/datadir.js";
import { enroll, parseReport, startFleet, writeFilesSite, type Agent, type Fleet } from "../helpers/fleet.js";
import { cli, workDir } from "../helpers/processes.js";

/** A server with one site file and app-01 enrolled with a token. */
async function enrolledAgent(t: Test): Promise<{ base: string; fleet: Fleet; agent: Agent }> {
  const base = workDir(t, { site: {}, managed: {} });
  const site = join(base, "site");
  writeFilesSite(site, join(base, "managed"), 1);
  const fleet = await startFleet(base, site);
  t.teardown(() => fleet.stop());
  return { base, fleet, agent: await enroll(fleet, base, "app-01") };
}

t.test("a certificate that is due is renewed during a run", async (t) => {
  const { base, agent } = await enrolledAgent(t);
  const certFile = join(agent.stateDir, "certs/agent.crt");
  const before = new X509Certificate(readFileSync(certFile));
  t.ok(new Date(before.validTo).getTime() - Date.now() > 80 * 86_400_000, "agents get 90-day certificates");

  const run = (config: string) => cli("agent", ["run", "--once", "--json", "--state-dir", agent.stateDir, "--config", config]);
  const notDue = join(base, "not-due.yaml");
  writeFileSync(notDue, "renew_before_days: 30\n");
  t.equal((await run(notDue)).code, 2);
  t.equal(new X509Certificate(readFileSync(certFile)).serialNumber, before.serialNumber, "not renewed while far from expiry");

  const due = join(base, "due.yaml");
  writeFileSync(due, "renew_before_days: 365\n");
  const renewing = await run(due);
  t.equal(renewing.code, 0, renewing.stderr);
  t.match(renewing.stdout, /certificate renewed, valid until/);
  const after = new X509Certificate(readFileSync(certFile));
  t.not(after.serialNumber, before.serialNumber, "a new certificate is installed");
  t.equal(after.subject, before.subject);

  const next = await run(notDue);
  t.equal(next.code, 0, "the renewed certificate works");
});

/** What 90 days offline leave behind: the agent holds an expired certificate for its key, and the server's record of it has expired too. */
async function expireCertificate(dataDir: string, stateDir: string, certname: string): Promise<Date> {
  const paths = dataDirPaths(dataDir);
  const ca = { certPem: readFileSync(paths.caCert, "utf8"), keyPem: readFileSync(paths.caKey, "utf8") };
  const certFile = join(stateDir, "certs/agent.crt");
  const publicKeyPem = new X509Certificate(readFileSync(certFile)).publicKey.export({ type: "spki", format: "pem" }).toString();
  const expired = issueCertificate(ca, { commonName: certname, publicKeyPem, usage: "client", serialHex: randomSerialHex(), validityDays: 1e-9 });
  const expiredOn = new Date(new X509Certificate(expired).validTo);
  writeFileSync(certFile, expired);
  const db = new BetterSqlite3(paths.database);
  try {
    db.prepare("UPDATE certificates SET not_after = ? WHERE certname = ?").run(expiredOn.getTime(), certname);
  } finally {
    db.close();
  }
  // Certificate times have whole seconds: wait until this one is past, not sleep.
  while (Date.now() <= expiredOn.getTime()) await new Promise((r) => setImmediate(r));
  return expiredOn;
}

t.test("an expired certificate is renewed over bootstrap once an operator approves", async (t) => {
  const { fleet, agent } = await enrolledAgent(t);
  t.equal((await agent.run()).code, 2, "a first run converges");
  const certFile = join(agent.stateDir, "certs/agent.crt");
  const keyFingerprint = formatSha256(publicKeySha256(readFileSync(join(agent.stateDir, "certs/agent.key"), "utf8")));
  const original = (JSON.parse((await fleet.ancla(["cert", "list", "--json"])).stdout) as { serial: string }[])[0].serial;
  const expiredOn = await expireCertificate(fleet.dataDir, agent.stateDir, "app-01");

  const locked = await agent.run();
  const lockedReport = parseReport(locked.stdout);
  const logs = (lockedReport.logs ?? []).map((l) => l.message).join("\n");
  t.equal(lockedReport.catalogSource, "cache", "while expired, the host keeps converging to its last verified catalog");
  t.ok(
    (lockedReport.logs ?? []).some((l) => l.code === "ANCLA_E_CERT_EXPIRED"),
    "and the report says why",
  );
  t.match(
    logs,
    `certificate expired on ${expiredOn.toISOString()}; a renewal request with this host's key (${keyFingerprint}) waits for an operator: ancla cert sign app-01`,
    "the run says why and what to do",
  );

  const listed = JSON.parse((await fleet.ancla(["cert", "list", "--json"])).stdout) as { certname: string; status: string; renewal_of: string; public_key_fingerprint: string }[];
  t.match(listed, [{ certname: "app-01", status: "pending renewal", renewal_of: original, public_key_fingerprint: keyFingerprint }], "waiting as a renewal, with the key the agent printed");
  const table = await fleet.ancla(["cert", "list"]);
  t.match(table.stdout, /\napp-01\s+pending renewal\s/);

  const signed = await fleet.ancla(["cert", "sign", "app-01"]);
  t.equal(signed.code, 0, signed.stderr);
  const renewing = await agent.run();
  // This run still dialled with the expired certificate (refused), then installed the renewed one.
  t.ok(
    (parseReport(renewing.stdout).logs ?? []).some((l) => /^certificate renewed, valid until/.test(l.message)),
    "the signed renewal is installed",
  );
  const installed = new X509Certificate(readFileSync(certFile));
  t.ok(new Date(installed.validTo).getTime() - Date.now() > 80 * 86_400_000, "a fresh 90-day certificate");
  t.equal(publicKeySha256(installed.toString()), publicKeySha256(readFileSync(join(agent.stateDir, "certs/agent.key"), "utf8")), "for the same key");
  const after = await agent.run();
  t.equal(after.code, 0, `the renewed certificate works: ${after.stderr}`);
});
