// The store's part for operators' access: API tokens with their role, and the
// dashboard sessions signed in with them.

export type Role = "viewer" | "operator" | "admin";

export interface ApiTokenRecord {
  id: string;
  secretSha256: string;
  role: Role;
  name: string;
  createdAt: Date;
  /** A revoked token authenticates nothing (findApiToken and findSession skip it). */
  revokedAt?: Date;
}

/** A dashboard login: the cookie holds a random id, the store only its SHA-256. */
export interface DashboardSession {
  idSha256: string;
  tokenId: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface AccessStore {
  insertApiToken(t: ApiTokenRecord): Promise<void>;
  /** A live (unrevoked) token by its secret's hash. */
  findApiToken(secretSha256: string): Promise<ApiTokenRecord | undefined>;
  /** By id, revoked or not. */
  getApiToken(id: string): Promise<ApiTokenRecord | undefined>;
  /** Newest first, revoked ones included. */
  listApiTokens(): Promise<ApiTokenRecord[]>;
  /** Marks the token revoked and deletes its dashboard sessions; false when there is no such token or it was revoked already. */
  revokeApiToken(id: string, at: Date): Promise<boolean>;

  /** Stores a new session (and drops expired ones, so the table does not grow with every login). */
  createSession(s: DashboardSession): Promise<void>;
  /** The live token of an unexpired session, by the session id's hash. */
  findSession(idSha256: string, at: Date): Promise<ApiTokenRecord | undefined>;
  deleteSession(idSha256: string): Promise<void>;
}
