// The store's part for secrets: each secret's scope, and its versions sealed
// (server/secrets/seal.ts). It holds ciphertext and wrapped data keys only:
// the value is never handed to the store.

/** Where a secret may be used: nodes of this environment, matching this certname glob; absent means any. */
export interface SecretScope {
  environment?: string;
  nodesGlob?: string;
}

/** One version as stored: AES-256-GCM ciphertext and tag, its data key wrapped by KEK `kekVersion`. */
export interface SealedValue {
  kekVersion: number;
  wrappedKey: Uint8Array;
  iv: Uint8Array;
  ciphertext: Uint8Array;
  tag: Uint8Array;
}

export interface SecretVersion extends SealedValue {
  name: string;
  version: number;
  createdBy: string;
  createdAt: Date;
}

/** A secret as listed: scope, who and when, its versions by number; never a value. */
export interface SecretRecord extends SecretScope {
  name: string;
  description?: string;
  createdBy: string;
  createdAt: Date;
  updatedBy: string;
  updatedAt: Date;
  /** The newest version's number. */
  version: number;
  versions: number;
}

export interface SecretStore {
  getSecret(name: string): Promise<SecretRecord | undefined>;
  /** Every secret, by name. */
  listSecrets(): Promise<SecretRecord[]>;
  /** Creates the secret or replaces its scope and description, with its next version (number `version.version`). */
  putSecret(secret: { name: string; description?: string; by: string; at: Date } & SecretScope, version: SecretVersion): Promise<void>;
  /** The newest version, or version `version`. */
  sealedVersion(name: string, version?: number): Promise<SecretVersion | undefined>;
  /** Every version whose data key is wrapped by a KEK other than `kekVersion` (what a KEK rotation re-wraps). */
  versionsNotUnder(kekVersion: number): Promise<SecretVersion[]>;
  /** Replaces one version's wrapped data key (a KEK rotation); the ciphertext stays. */
  rewrap(name: string, version: number, kekVersion: number, wrappedKey: Uint8Array): Promise<void>;
  /** One stored version whose data key is wrapped by KEK `kekVersion` (to prove at start that the provider's key opens it). */
  oneVersionUnder(kekVersion: number): Promise<SecretVersion | undefined>;
  /** The KEK versions some stored data key is still wrapped by. */
  kekVersionsInUse(): Promise<number[]>;
  /** Deletes the secret and every version of it; false when there was none. */
  deleteSecret(name: string): Promise<boolean>;
  /** The versions the node's current catalog holds, in place of those its previous one held; true when it no longer holds one it held. */
  recordDeliveries(certname: string, uses: readonly { name: string; version: number }[]): Promise<boolean>;
  /**
   * Deletes every version older than its secret's newest that no active
   * node's current catalog holds (ciphertext and wrapped key: it is
   * unreadable from then on); gives those it deleted.
   */
  retireUnused(): Promise<{ name: string; version: number }[]>;
}
