// Secrets at rest on the server: each version sealed under a data key of its
// own, wrapped by the local KMS's key-encryption key. The value is nowhere in
// the database file or its WAL; a ciphertext altered, moved to another
// secret's row or rolled back to an older version does not decrypt; a lost
// key directory stops the server; a KEK rotation leaves every secret readable.
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import t, { type Test } from "tap";
import { isAnclaError } from "../../core/errors.js";
import { LocalKms } from "../../server/secrets/local-kms.js";
import { SecretService } from "../../server/secrets/service.js";
import type { Store } from "../../server/store/store.js";
import { tempDir, tempStore } from "./_helpers.js";

const PASSWORD = "correct-horse-battery-staple-4711";

function setUp(t: Test): { store: Store; file: string; kmsDir: string; service: SecretService } {
  const { store, file } = tempStore(t);
  const kmsDir = join(tempDir(t), "kms");
  return { store, file, kmsDir, service: new SecretService(store, new LocalKms(kmsDir, { createFirst: true })) };
}

/** Every byte the database holds on disk: the file, its WAL and shared memory. */
function databaseBytes(file: string): Buffer {
  const dir = join(file, "..");
  return Buffer.concat(
    readdirSync(dir)
      .filter((n) => n.startsWith("ancla.db"))
      .map((n) => readFileSync(join(dir, n))),
  );
}

async function rejectsWith(t: Test, promise: Promise<unknown>, code: "ANCLA_E_SECRET_UNREADABLE" | "ANCLA_E_KMS" | "ANCLA_E_INVALID_ARGUMENT" | "ANCLA_E_NOT_FOUND", message: RegExp, what: string) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(isAnclaError(err, code), `${what}: ${code}`);
  t.match((err as Error | undefined)?.message ?? "", message, what);
}

t.test("a set secret decrypts, and its value is nowhere in the database file or WAL", async (t) => {
  const { store, file, kmsDir, service } = setUp(t);
  const set = await service.set({ name: "db-password", value: Buffer.from(PASSWORD), environment: "production" }, "test");
  t.match(set, { name: "db-password", version: 1, versions: 1, environment: "production" });
  t.equal((await service.reveal("db-password")).value.toString(), PASSWORD);
  t.equal(databaseBytes(file).indexOf(PASSWORD), -1, "no plaintext in ancla.db, -wal, -shm");
  t.equal(databaseBytes(file).indexOf(Buffer.from(PASSWORD).toString("base64")), -1, "nor its base64");
  const keyFile = join(kmsDir, readdirSync(kmsDir)[0]);
  t.equal(statSync(keyFile).mode & 0o777, 0o600, "the KEK file is 0600");
  t.equal(statSync(kmsDir).mode & 0o777, 0o700, "in a 0700 directory");
  const audit = JSON.stringify(await store.audit.listAudit({ limit: 10 }));
  t.match(audit, /secret\.set/);
  t.notMatch(audit, PASSWORD, "the audit log names the version, never the value");
});

t.test("rotate makes a new version with the same scope; versions are numbered", async (t) => {
  const { service } = setUp(t);
  await service.set({ name: "api-key", value: Buffer.from("v1"), nodesGlob: "web-*", description: "the API key" }, "test");
  const rotated = await service.rotate("api-key", Buffer.from("v2"), "test");
  t.match(rotated, { version: 2, versions: 2, nodesGlob: "web-*", description: "the API key" });
  t.equal((await service.reveal("api-key")).value.toString(), "v2");
  t.equal((await service.reveal("api-key", 1)).value.toString(), "v1");
  await rejectsWith(t, service.rotate("no-such", Buffer.from("x"), "test"), "ANCLA_E_NOT_FOUND", /no secret "no-such"/, "rotating an unknown secret");
});

t.test("bad input is refused and stores nothing", async (t) => {
  const { service } = setUp(t);
  await rejectsWith(t, service.set({ name: "empty", value: Buffer.alloc(0) }, "test"), "ANCLA_E_INVALID_ARGUMENT", /empty; nothing was stored/, "an empty value");
  await rejectsWith(t, service.set({ name: "1st", value: Buffer.from("x") }, "test"), "ANCLA_E_INVALID_ARGUMENT", /not a secret name/, "a name starting with a digit");
  await rejectsWith(t, service.set({ name: "s", value: Buffer.from("x"), nodesGlob: "web-[" }, "test"), "ANCLA_E_INVALID_ARGUMENT", /not a valid glob/, "a glob picomatch would misread");
  await rejectsWith(t, service.set({ name: "s", value: Buffer.from("x"), environment: "Prod!" }, "test"), "ANCLA_E_INVALID_ARGUMENT", /not an environment name/, "an environment name");
  t.same(await service.list(), []);
});

t.test("an altered, moved or rolled-back ciphertext does not decrypt, and the error names the secret", async (t) => {
  const { store, service } = setUp(t);
  await service.set({ name: "a", value: Buffer.from("alpha") }, "test");
  await service.set({ name: "b", value: Buffer.from("bravo") }, "test");
  await service.rotate("a", Buffer.from("alpha-2"), "test");
  const a2 = (await store.secrets.sealedVersion("a"))!;
  const a1 = (await store.secrets.sealedVersion("a", 1))!;
  const b1 = (await store.secrets.sealedVersion("b"))!;

  // Stored rows are replaced through the part's own write: delete and put back, as an attacker with the file could.
  async function replaceA2(sealed: typeof a2): Promise<void> {
    await store.secrets.deleteSecret("a");
    await store.secrets.putSecret({ name: "a", by: "attacker", at: new Date() }, { ...sealed, name: "a", version: 2 });
  }

  const flipped = Buffer.from(a2.ciphertext);
  flipped[0] ^= 1;
  await replaceA2({ ...a2, ciphertext: flipped });
  await rejectsWith(t, service.reveal("a"), "ANCLA_E_SECRET_UNREADABLE", /secret "a" version 2 does not decrypt: its ciphertext/, "one flipped bit");

  await replaceA2({ ...b1, name: "a", version: 2 });
  await rejectsWith(t, service.reveal("a"), "ANCLA_E_SECRET_UNREADABLE", /secret "a" version 2/, "b's sealed value moved onto a");

  await replaceA2({ ...a1, name: "a", version: 2 });
  await rejectsWith(t, service.reveal("a"), "ANCLA_E_SECRET_UNREADABLE", /secret "a" version 2/, "version 1 put back as version 2");

  const wrapped = Buffer.from(a2.wrappedKey);
  wrapped[wrapped.length - 1] ^= 1;
  await replaceA2({ ...a2, wrappedKey: wrapped });
  await rejectsWith(t, service.reveal("a"), "ANCLA_E_SECRET_UNREADABLE", /its wrapped data key does not authenticate/, "an altered wrapped data key");

  await replaceA2(a2);
  t.equal((await service.reveal("a")).value.toString(), "alpha-2", "the genuine row decrypts again");
});

t.test("a lost key directory stops the server instead of sealing with a new key", async (t) => {
  const { store, kmsDir, service } = setUp(t);
  await service.set({ name: "a", value: Buffer.from("alpha") }, "test");
  rmSync(kmsDir, { recursive: true });
  const inUse = await store.secrets.kekVersionsInUse();
  t.throws(() => new LocalKms(kmsDir, { createFirst: inUse.length === 0 }), /no key-encryption key in .*restore the directory/, "an empty key directory with secrets sealed");
  const other = new SecretService(store, new LocalKms(join(kmsDir, "..", "other-kms"), { createFirst: true }));
  await rejectsWith(t, other.checkKeys(), "ANCLA_E_KMS", /version 1 .*does not open the data keys sealed under it/, "keys that are not the ones the secrets were sealed under");
});

t.test("a KEK rotation re-wraps every data key, destroys the old KEK, and every secret still decrypts", async (t) => {
  const { store, kmsDir, service } = setUp(t);
  for (let i = 0; i < 5; i++) await service.set({ name: `s${i}`, value: Buffer.from(`value ${i}`) }, "test");
  const rotation = await service.rotateKek("test");
  t.same(rotation, { kekVersion: 2, rewrapped: 5, retired: [1] });
  t.same(readdirSync(kmsDir), ["kek-000002.key"], "only the new KEK is left");
  t.same(await store.secrets.kekVersionsInUse(), [2]);
  // A new provider reading the directory, as after a restart.
  const restarted = new SecretService(store, new LocalKms(kmsDir, { createFirst: false }));
  await restarted.checkKeys();
  for (let i = 0; i < 5; i++) t.equal((await restarted.reveal(`s${i}`)).value.toString(), `value ${i}`);
  t.match(JSON.stringify(await store.audit.listAudit({ limit: 1 })), /kms\.rotate/);
});

t.test("a KEK rotation cut short leaves every secret readable, and the next one finishes it", async (t) => {
  const { store, kmsDir, service } = setUp(t);
  for (let i = 0; i < 4; i++) await service.set({ name: `s${i}`, value: Buffer.from(`value ${i}`) }, "test");
  // What a kill after the new KEK and two re-wraps leaves: KEK 2 current, two rows under 1, two under 2.
  const kms = new LocalKms(kmsDir, { createFirst: false });
  await kms.rotate();
  for (const v of (await store.secrets.versionsNotUnder(2)).slice(0, 2)) {
    const wrapped = await kms.wrap(await kms.unwrap({ kekVersion: v.kekVersion, wrapped: v.wrappedKey }));
    await store.secrets.rewrap(v.name, v.version, wrapped.kekVersion, wrapped.wrapped);
  }
  const after = new SecretService(store, new LocalKms(kmsDir, { createFirst: false }));
  await after.checkKeys();
  t.same(await store.secrets.kekVersionsInUse(), [1, 2]);
  for (let i = 0; i < 4; i++) t.equal((await after.reveal(`s${i}`)).value.toString(), `value ${i}`);
  t.same(await after.rotateKek("test"), { kekVersion: 3, rewrapped: 4, retired: [1, 2] });
  for (let i = 0; i < 4; i++) t.equal((await after.reveal(`s${i}`)).value.toString(), `value ${i}`);
});
