// The store's part for releases: the site versions the server kept, each with
// the manifest of its files (the bytes are in the content store).

/** One file of a release, as server/releases/snapshot.ts keeps it. */
export interface ReleaseFile {
  /** Relative to the site, with `/`. */
  path: string;
  /** Of the bytes; for a symlink, of `link:TARGET` (as the site version hashes it). */
  sha256: string;
  size: number;
  mode: number;
  /** Set for a symlink: where it points; it has no bytes in the store. */
  link?: string;
}

/** A kept site version (server/releases): what a node can be compiled at. */
export interface ReleaseSummary {
  version: string;
  /** From the site's git repository when it is one: the HEAD commit, its author and subject. */
  commit?: string;
  author?: string;
  subject?: string;
  firstSeenAt: Date;
  files: number;
  bytes: number;
}

export interface ReleaseRecord extends ReleaseSummary {
  manifest: ReleaseFile[];
}

export interface ReleaseStore {
  /** Keeps a release; one already kept under its version is left as it is. */
  saveRelease(r: ReleaseRecord): Promise<void>;
  /** Every kept release, the newest first seen first. */
  listReleases(): Promise<ReleaseSummary[]>;
  getRelease(version: string): Promise<ReleaseRecord | undefined>;
  deleteRelease(version: string): Promise<boolean>;
}
