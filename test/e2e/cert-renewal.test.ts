// Agent certificates renew themselves before they expire: the next run asks
// for a new certificate over mTLS, installs it, and keeps working with it.
import t from "tap";
import { X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { enroll, startFleet, writeFilesSite } from "../helpers/fleet.js";
import { cli } from "../helpers/processes.js";

t.test("a certificate that is due is renewed during a run", async (t) => {
  const base = t.testdir({ site: {}, managed: {} });
  const site = join(base, "site");
  writeFilesSite(site, join(base, "managed"), 1);
  const fleet = await startFleet(base, site);
  t.teardown(() => fleet.stop());
  const agent = await enroll(fleet, base, "app-01");
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
