// A catalog's secrets are opened with the node's key at apply time and put in
// place in memory: the managed file holds the value; events, logs and the
// drift memory never do (the memory digests the catalog's own resource, which
// names the secret's version). A secret that does not open, or that the
// server does not hold, fails only its resource; its dependents are skipped.
import t from "tap";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { sha256Hex } from "../../catalog/canonical.js";
import type { Catalog, Resource } from "../../catalog/model.js";
import { secretMarker, type SecretUse } from "../../catalog/secrets/markers.js";
import { sealSecrets } from "../../catalog/secrets/sealed.js";
import { generateKeyPair, publicKeySha256 } from "../../pki/keys.js";
import { EventResult, ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { apply, catalogOf, file } from "./_helpers.js";

const node = generateKeyPair();
const other = generateKeyPair();
const PASSWORD = "pg-pass-7c1e9a";

function withSecrets(resources: Resource[], uses: (SecretUse & { value: string })[], to = node.publicKeyPem, edges: Catalog["edges"] = []): Catalog {
  const catalog = catalogOf(resources, edges);
  catalog.secrets = { sealedTo: publicKeySha256(to), uses: uses.map(({ name, version }) => ({ name, version })) };
  catalog.sealed = sealSecrets(
    to,
    catalog.certname,
    uses.map((u) => ({ ...u, value: Buffer.from(u.value) })),
  );
  return catalog;
}

const dbConf = (path: string, version: number): Resource => file(path, { content: `password=${secretMarker("db", version)}\n`, mode: "0600" }, { sensitive: true });

t.test("the file gets the value; events, logs and memory never see it; a rotation is a change of intent", async (t) => {
  const path = join(t.testdir({}), "db.conf");
  const first = await apply(withSecrets([dbConf(path, 1)], [{ name: "db", version: 1, value: PASSWORD }]), { nodeKeyPem: node.privateKeyPem });
  t.equal(first.status, ReportStatus.CHANGED);
  t.equal(await readFile(path, "utf8"), `password=${PASSWORD}\n`);
  const seen = JSON.stringify([first.events, first.logs, first.memory]);
  for (const leak of [PASSWORD, sha256Hex(`password=${PASSWORD}\n`)]) t.notOk(seen.includes(leak), `nothing reported or remembered holds ${leak.slice(0, 8)}…`);

  const again = await apply(withSecrets([dbConf(path, 1)], [{ name: "db", version: 1, value: PASSWORD }]), { nodeKeyPem: node.privateKeyPem, memory: first.memory });
  t.equal(again.status, ReportStatus.UNCHANGED, "the same value again is in sync");

  const rotated = await apply(withSecrets([dbConf(path, 2)], [{ name: "db", version: 2, value: "rotated-42" }]), { nodeKeyPem: node.privateKeyPem, memory: again.memory });
  t.equal(await readFile(path, "utf8"), "password=rotated-42\n");
  t.same(
    rotated.events.map((e) => [e.property, e.corrective, e.desired]),
    [["content", false, "[redacted]"]],
    "the new version is intent, not drift",
  );
});

t.test("a catalog sealed to another key fails the resources that use it, names the secret's trouble, and skips dependents", async (t) => {
  const root = t.testdir({});
  const path = join(root, "db.conf");
  const after = join(root, "after");
  const independent = join(root, "independent");
  const catalog = withSecrets([dbConf(path, 1), file(after, { content: "a" }), file(independent, { content: "i" })], [{ name: "db", version: 1, value: PASSWORD }], other.publicKeyPem, [
    { from: `file:${path}`, to: `file:${after}`, kind: "require" },
  ]);
  const outcome = await apply(catalog, { nodeKeyPem: node.privateKeyPem });
  t.match(outcome.counts, { total: 3, failed: 1, skipped: 1, changed: 1 });
  const failed = outcome.events.find((e) => e.resource === `file:${path}`);
  t.match(failed, { result: EventResult.FAILED, message: /sealed to another key.*this node's key changed/ });
  t.ok(
    outcome.logs.some((l) => l.code === "ANCLA_E_SECRET_UNREADABLE"),
    "the log line carries ANCLA_E_SECRET_UNREADABLE",
  );
  t.match(
    outcome.events.find((e) => e.resource === `file:${after}`),
    { result: EventResult.SKIPPED },
  );
  t.equal(await readFile(independent, "utf8"), "i");
  await t.rejects(readFile(path), { code: "ENOENT" }, "nothing was written where the secret was to go");
});

t.test("an altered value, a node without a key, and a secret the server lacks each fail only their resource", async (t) => {
  const root = t.testdir({});
  const path = join(root, "db.conf");
  const altered = withSecrets([dbConf(path, 1)], [{ name: "db", version: 1, value: PASSWORD }]);
  const ct = Buffer.from(altered.sealed!.values.db.ct, "base64");
  ct[0] ^= 1;
  altered.sealed!.values.db.ct = ct.toString("base64");
  t.match((await apply(altered, { nodeKeyPem: node.privateKeyPem })).events, [{ result: EventResult.FAILED, message: /secret "db" \(version 1\) does not decrypt/ }]);

  t.match((await apply(withSecrets([dbConf(path, 1)], [{ name: "db", version: 1, value: PASSWORD }]))).events, [{ result: EventResult.FAILED, message: /needs this node's key/ }]);

  const missing: Resource = { ...file(path, { content: secretMarker("db") }, { sensitive: true }), blocked: 'secret "db" does not exist (ancla secret set db makes it)' };
  const outcome = await apply(catalogOf([missing]), { nodeKeyPem: node.privateKeyPem });
  t.match(outcome.events, [{ result: EventResult.FAILED, message: /secret "db" does not exist/ }]);
  t.ok(outcome.logs.some((l) => l.code === "ANCLA_E_SECRET_MISSING"));
  await t.rejects(readFile(path), { code: "ENOENT" });
});
