// The seam to a key-encryption-key provider. A data key (one per secret
// version, server/secrets/seal.ts) is stored only wrapped by a KEK; the KEK
// never leaves its provider (a key file in the data dir, or an HSM over
// PKCS#11), so a copy of the database alone decrypts nothing.

export interface WrappedKey {
  kekVersion: number;
  wrapped: Uint8Array;
}

export interface Kms {
  /** Which provider and where, for messages: "local key files in /var/lib/ancla-server/kms". */
  readonly description: string;
  /** Every KEK version it holds, oldest first. */
  versions(): number[];
  /** The KEK version new data keys are wrapped under: the newest. */
  current(): number;
  wrap(dataKey: Uint8Array): Promise<WrappedKey>;
  /** The data key; ANCLA_E_SECRET_UNREADABLE when the wrapping does not authenticate, ANCLA_E_KMS when the KEK is gone. */
  unwrap(key: WrappedKey): Promise<Uint8Array>;
  /** Makes a new KEK version, current from its return on; durable before it returns. */
  rotate(): Promise<number>;
  /** Destroys every KEK version older than the current one and not in `inUse`; returns those destroyed. */
  retire(inUse: readonly number[]): Promise<number[]>;
}
