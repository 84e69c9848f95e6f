// A KEK rotation killed with SIGKILL at random points, 20 times in a row:
// after every kill the server's keys still open every secret (checked as a
// restarting server does), and a rotation let run to its end afterwards
// re-wraps everything under one KEK and destroys the rest.
import { spawn } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { LocalKms } from "../../server/secrets/local-kms.js";
import { SecretService } from "../../server/secrets/service.js";
import { openStore } from "../../server/store/sqlite/index.js";
import { ROOT } from "../helpers/processes.js";
import { tempDir } from "./_helpers.js";

const SECRETS = 1500;
const KILLS = 20;

/** The rotation in a process of its own, on the built server code; "started" on stdout once it begins. */
function rotator(dir: string): string {
  const script = join(dir, "rotate.mjs");
  writeFileSync(
    script,
    `import { openStore } from ${JSON.stringify(join(ROOT, "dist/server/store/sqlite/index.js"))};
import { LocalKms } from ${JSON.stringify(join(ROOT, "dist/server/secrets/local-kms.js"))};
import { SecretService } from ${JSON.stringify(join(ROOT, "dist/server/secrets/service.js"))};
const store = openStore(process.argv[2]);
const service = new SecretService(store, new LocalKms(process.argv[3], { createFirst: false }));
process.stdout.write("started\\n");
await service.rotateKek("killed rotation");
await store.close();
`,
  );
  return script;
}

function rotateUntilKilled(script: string, db: string, kmsDir: string, afterMs: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, db, kmsDir], { stdio: ["ignore", "pipe", "inherit"] });
    child.stdout.once("data", () => setTimeout(() => child.kill("SIGKILL"), afterMs));
    child.on("error", reject);
    child.on("exit", (_code, signal) => resolve(signal));
  });
}

t.test("kill -9 during kms rotate, 20 times: every secret still decrypts", async (t) => {
  const dir = tempDir(t);
  const db = join(dir, "ancla.db");
  const kmsDir = join(dir, "kms");
  const store = openStore(db);
  t.teardown(() => store.close());
  const service = new SecretService(store, new LocalKms(kmsDir, { createFirst: true }));
  for (let i = 0; i < SECRETS; i++) await service.set({ name: `s${i}`, value: Buffer.from(`value of secret ${i}`) }, "test");
  const script = rotator(dir);

  let killedMidway = 0;
  for (let round = 0; round < KILLS; round++) {
    const signal = await rotateUntilKilled(script, db, kmsDir, Math.floor(Math.random() * 120));
    if (signal === "SIGKILL") killedMidway++;
    const restarted = new SecretService(store, new LocalKms(kmsDir, { createFirst: false }));
    await restarted.checkKeys();
    for (const i of [0, Math.floor(Math.random() * SECRETS), SECRETS - 1]) t.equal((await restarted.reveal(`s${i}`)).value.toString(), `value of secret ${i}`);
  }
  t.ok(killedMidway >= KILLS / 2, `most rounds were killed before the rotation ended (${killedMidway} of ${KILLS})`);
  t.comment(`KEK versions in use after the kills: ${(await store.secrets.kekVersionsInUse()).join(", ")}`);

  const final = new SecretService(store, new LocalKms(kmsDir, { createFirst: false }));
  const finished = await final.rotateKek("test");
  t.equal((await store.secrets.kekVersionsInUse()).length, 1, "one KEK wraps every data key after a full rotation");
  t.same(readdirSync(kmsDir), [`kek-${String(finished.kekVersion).padStart(6, "0")}.key`], "and the others are destroyed");
  const broken: string[] = [];
  for (let i = 0; i < SECRETS; i++) if ((await final.reveal(`s${i}`)).value.toString() !== `value of secret ${i}`) broken.push(`s${i}`);
  t.same(broken, [], `all ${SECRETS} secrets decrypt`);
});
