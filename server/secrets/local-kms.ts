// The default KMS provider: key-encryption keys as files in the data dir
// (kms/kek-NNNNNN.key, 0600 in a 0700 directory, written durably), one per
// version. Data keys are wrapped with AES-256-GCM under the KEK, the KEK's
// version bound in as associated data, so a wrapped key moved to another
// version's row does not authenticate.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { AnclaError } from "../../core/errors.js";
import { writeFileDurableSync } from "../durable-write.js";
import type { Kms, WrappedKey } from "./kms.js";

const FILE = /^kek-(\d{6})\.key$/;
const LEFTOVER = /^kek-\d{6}\.key\.\d+\.tmp$/;
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

const fileName = (version: number): string => `kek-${String(version).padStart(6, "0")}.key`;
const aad = (version: number): Buffer => Buffer.from(`ancla-kek:${version}`);

export class LocalKms implements Kms {
  readonly description: string;
  private readonly keys = new Map<number, Buffer>();

  /**
   * Reads the KEKs in `dir`. `createFirst` makes version 1 when there is none:
   * only right while nothing is sealed yet (a new data dir, or one from before
   * secrets); otherwise a lost key directory must stop the server, not be
   * replaced by a key that opens nothing.
   */
  constructor(
    private readonly dir: string,
    opts: { createFirst: boolean },
  ) {
    this.description = `local key files in ${dir}`;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(dir)) {
      const m = FILE.exec(name);
      if (m) this.keys.set(Number(m[1]), readKey(join(dir, name)));
      // A key file a crash left half-made, before its rename: never a key, so nothing is wrapped by it.
      else if (LEFTOVER.test(name)) rmSync(join(dir, name), { force: true });
    }
    if (this.keys.size === 0) {
      if (!opts.createFirst) throw new AnclaError("ANCLA_E_KMS", `no key-encryption key in ${dir}, but secrets are sealed: restore the directory from a backup of the data dir`);
      this.create(1);
    }
  }

  versions(): number[] {
    return [...this.keys.keys()].sort((a, b) => a - b);
  }

  current(): number {
    return Math.max(...this.keys.keys());
  }

  async wrap(dataKey: Uint8Array): Promise<WrappedKey> {
    const kekVersion = this.current();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key(kekVersion), iv).setAAD(aad(kekVersion));
    const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return { kekVersion, wrapped: Buffer.concat([iv, cipher.getAuthTag(), body]) };
  }

  async unwrap({ kekVersion, wrapped }: WrappedKey): Promise<Uint8Array> {
    const data = Buffer.from(wrapped);
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key(kekVersion), data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES }).setAAD(aad(kekVersion));
      decipher.setAuthTag(data.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(data.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch (err) {
      if (err instanceof AnclaError) throw err;
      throw new AnclaError("ANCLA_E_SECRET_UNREADABLE", `a data key wrapped by KEK version ${kekVersion} does not authenticate`, { cause: err });
    }
  }

  async rotate(): Promise<number> {
    return this.create(this.current() + 1);
  }

  async retire(inUse: readonly number[]): Promise<number[]> {
    const current = this.current();
    const retired = [...this.keys.keys()].filter((v) => v < current && !inUse.includes(v)).sort((a, b) => a - b);
    for (const version of retired) {
      rmSync(join(this.dir, fileName(version)), { force: true });
      this.keys.delete(version);
    }
    return retired;
  }

  private key(version: number): Buffer {
    const key = this.keys.get(version);
    if (!key) throw new AnclaError("ANCLA_E_KMS", `KEK version ${version} is not among the ${this.description}: restore ${fileName(version)} from a backup of the data dir`);
    return key;
  }

  private create(version: number): number {
    const path = join(this.dir, fileName(version));
    if (existsSync(path)) throw new AnclaError("ANCLA_E_KMS", `${path} exists already`);
    const key = randomBytes(KEY_BYTES);
    writeFileDurableSync(path, `${key.toString("base64")}\n`, 0o600);
    this.keys.set(version, key);
    return version;
  }
}

function readKey(path: string): Buffer {
  const key = Buffer.from(readFileSync(path, "utf8").trim(), "base64");
  if (key.length !== KEY_BYTES) throw new AnclaError("ANCLA_E_KMS", `${path} does not hold a ${KEY_BYTES}-byte key (base64)`);
  return key;
}
