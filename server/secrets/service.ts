// Secrets on the server: set, rotate, list, delete, and the KEK rotation that
// re-wraps every data key. Values arrive as bytes, are sealed at once
// (seal.ts) and are never stored, logged, audited or answered in the clear;
// reveal() is the one way back to a value, for sealing it to a node's key in
// its catalog (sealFor; no route calls either).
import { ENVIRONMENT_NAME } from "../../catalog/site/rules.js";
import { certnameGlob } from "../../catalog/certname-glob.js";
import { SECRET_NAME, SECRET_NAME_RULE } from "../../catalog/secrets/markers.js";
import { AnclaError } from "../../core/errors.js";
import type { SecretRecord, SecretScope, Store } from "../store/store.js";
import type { KeyObject } from "node:crypto";
import { SecretDirectory } from "../../catalog/secrets/directory.js";
import type { SecretUse } from "../../catalog/secrets/markers.js";
import { sealSecrets, type SealedSecrets } from "../../catalog/secrets/sealed.js";
import type { Kms } from "./kms.js";
import { seal, unseal } from "./seal.js";

/** 64 KiB: a private key or a kubeconfig, far below what a catalog should carry. */
export const MAX_SECRET_BYTES = 64 * 1024;
/** Attempts at storing a new version when another writer of the same secret took its number first. */
const ATTEMPTS = 3;

export interface SecretInput extends SecretScope {
  name: string;
  value: Uint8Array;
  description?: string;
}

export interface KekRotation {
  kekVersion: number;
  rewrapped: number;
  retired: number[];
}

type SecretParts = Pick<Store, "secrets" | "audit" | "transaction">;

export class SecretService {
  /** What compiles bind secrets with: read once, then again after each change made here. */
  private cached?: Promise<SecretDirectory>;

  constructor(
    private readonly store: SecretParts,
    private readonly kms: Kms,
  ) {}

  /**
   * Refuses to start (ANCLA_E_KMS) unless the provider holds, and opens, every
   * KEK a stored data key is wrapped by: one unwrap per KEK version in use, so a
   * restored-from-elsewhere key directory or a wrong HSM token is found at
   * start, not at the first compile that needs a secret.
   */
  async checkKeys(): Promise<void> {
    const held = this.kms.versions();
    const inUse = await this.store.secrets.kekVersionsInUse();
    const missing = inUse.filter((v) => !held.includes(v));
    if (missing.length > 0) {
      throw new AnclaError("ANCLA_E_KMS", `secrets are sealed under key-encryption key version(s) ${missing.join(", ")}, which the ${this.kms.description} do not hold: restore them from a backup`);
    }
    for (const kekVersion of inUse) {
      const sample = await this.store.secrets.oneVersionUnder(kekVersion);
      if (!sample) continue;
      try {
        (await this.kms.unwrap({ kekVersion, wrapped: sample.wrappedKey })).fill(0);
      } catch (err) {
        throw new AnclaError(
          "ANCLA_E_KMS",
          `key-encryption key version ${kekVersion} of the ${this.kms.description} does not open the data keys sealed under it: these are other keys; restore the right ones from a backup`,
          { cause: err },
        );
      }
    }
  }

  list(): Promise<SecretRecord[]> {
    return this.store.secrets.listSecrets();
  }

  /** Every secret's name, current version and scope, for compiles. */
  directory(): Promise<SecretDirectory> {
    if (!this.cached) {
      const reading = this.list().then((all) => new SecretDirectory(all.map((s) => ({ name: s.name, version: s.version, environment: s.environment, nodesGlob: s.nodesGlob }))));
      // A failed read is not kept: the next check-in reads again.
      reading.catch(() => this.cached === reading && (this.cached = undefined));
      this.cached = reading;
    }
    return this.cached;
  }

  /** The values of `uses` sealed to a node's key for its catalog; each value is in the clear only while it is sealed again. */
  async sealFor(certname: string, to: KeyObject, uses: readonly SecretUse[]): Promise<SealedSecrets> {
    const values: (SecretUse & { value: Buffer })[] = [];
    try {
      for (const use of uses) values.push({ ...use, value: (await this.reveal(use.name, use.version)).value });
      return sealSecrets(to, certname, values);
    } finally {
      for (const v of values) v.value.fill(0);
    }
  }

  /** Creates the secret, or gives it a new version with this value and scope (audited: secret.set, never the value). */
  async set(input: SecretInput, by: string): Promise<SecretRecord> {
    checkName(input.name);
    checkValue(input.name, input.value);
    if (input.environment !== undefined && !ENVIRONMENT_NAME.test(input.environment)) {
      throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", `environment "${input.environment}" is not an environment name (${ENVIRONMENT_NAME.source})`);
    }
    if (input.nodesGlob !== undefined) certnameGlob(input.nodesGlob, "nodes");
    return this.addVersion(input, by, "secret.set");
  }

  /** A new version of an existing secret with a new value; its scope stays (audited: secret.rotate). */
  async rotate(name: string, value: Uint8Array, by: string): Promise<SecretRecord> {
    const existing = await this.require(name);
    checkValue(name, value);
    return this.addVersion({ name, value, environment: existing.environment, nodesGlob: existing.nodesGlob, description: existing.description }, by, "secret.rotate");
  }

  /**
   * Destroys each version older than its secret's newest once no active
   * node's current catalog holds it (audited: secret.retire): what a rotation
   * replaced is unreadable from then on, even with the KEK.
   */
  async retireUnused(): Promise<{ name: string; version: number }[]> {
    return this.store.transaction(async (tx) => {
      const retired = await tx.secrets.retireUnused();
      for (const r of retired) await tx.audit.appendAudit({ at: new Date(), actor: "server", action: "secret.retire", target: r.name, detail: { version: r.version } });
      return retired;
    });
  }

  async delete(name: string, by: string): Promise<void> {
    await this.store.transaction(async (tx) => {
      if (!(await tx.secrets.deleteSecret(name))) throw unknown(name);
      await tx.audit.appendAudit({ at: new Date(), actor: by, action: "secret.delete", target: name, detail: {} });
    });
    this.cached = undefined;
  }

  /** The value of the newest version (or `version`), for the compiler only; never answered over the API. */
  async reveal(name: string, version?: number): Promise<{ version: number; value: Buffer }> {
    const sealed = await this.store.secrets.sealedVersion(name, version);
    if (!sealed) throw unknown(name);
    return { version: sealed.version, value: await unseal(this.kms, name, sealed.version, sealed) };
  }

  /**
   * A new KEK, every data key re-wrapped under it one version at a time, then
   * the KEKs nothing needs any more destroyed. Killed at any point, every
   * secret still decrypts: the new KEK is durable before anything is wrapped
   * by it, each re-wrap is one row's update, and a KEK is destroyed only once
   * no row names it. Running it again finishes the job.
   */
  async rotateKek(by: string): Promise<KekRotation> {
    const kekVersion = await this.kms.rotate();
    let rewrapped = 0;
    for (const v of await this.store.secrets.versionsNotUnder(kekVersion)) {
      const dataKey = await this.kms.unwrap({ kekVersion: v.kekVersion, wrapped: v.wrappedKey });
      try {
        const wrapped = await this.kms.wrap(dataKey);
        await this.store.secrets.rewrap(v.name, v.version, wrapped.kekVersion, wrapped.wrapped);
        rewrapped++;
      } finally {
        dataKey.fill(0);
      }
    }
    const retired = await this.kms.retire(await this.store.secrets.kekVersionsInUse());
    await this.store.audit.appendAudit({ at: new Date(), actor: by, action: "kms.rotate", target: this.kms.description, detail: { kek_version: kekVersion, rewrapped, retired } });
    return { kekVersion, rewrapped, retired };
  }

  private async addVersion(input: SecretInput, by: string, action: string): Promise<SecretRecord> {
    for (let attempt = 1; ; attempt++) {
      const version = ((await this.store.secrets.getSecret(input.name))?.version ?? 0) + 1;
      // Sealed outside the transaction (a KMS may be an HSM on the network); its number is checked again inside.
      const sealed = await seal(this.kms, input.name, version, input.value);
      const at = new Date();
      const stored = await this.store.transaction(async (tx) => {
        if (((await tx.secrets.getSecret(input.name))?.version ?? 0) + 1 !== version) return false;
        const secret = { name: input.name, environment: input.environment, nodesGlob: input.nodesGlob, description: input.description, by, at };
        await tx.secrets.putSecret(secret, { ...sealed, name: input.name, version, createdBy: by, createdAt: at });
        const detail = { version, environment: input.environment ?? null, nodes: input.nodesGlob ?? null, kek_version: sealed.kekVersion };
        await tx.audit.appendAudit({ at, actor: by, action, target: input.name, detail });
        return true;
      });
      if (stored) {
        this.cached = undefined;
        return (await this.store.secrets.getSecret(input.name))!;
      }
      if (attempt === ATTEMPTS) throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", `secret "${input.name}" kept changing while it was being set; try again`);
    }
  }

  private async require(name: string): Promise<SecretRecord> {
    const found = await this.store.secrets.getSecret(name);
    if (!found) throw unknown(name);
    return found;
  }
}

const unknown = (name: string) => new AnclaError("ANCLA_E_NOT_FOUND", `no secret "${name}" (ancla secret list shows them)`);

function checkName(name: string): void {
  if (!SECRET_NAME.test(name)) throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", `"${name}" is not a secret name: ${SECRET_NAME_RULE}`);
}

function checkValue(name: string, value: Uint8Array): void {
  if (value.length === 0) throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", `the value of secret "${name}" is empty; nothing was stored`);
  if (value.length > MAX_SECRET_BYTES) throw new AnclaError("ANCLA_E_TOO_LARGE", `the value of secret "${name}" is ${value.length} bytes; at most ${MAX_SECRET_BYTES}`);
}
