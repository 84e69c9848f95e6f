// The store's part for compiled catalogs: each node's signed catalogs by
// serial, and the latest compile failure per node.
import type { SiteProblem } from "../../catalog/compile-seam.js";

export interface StoredCatalog {
  certname: string;
  serial: number;
  /** Content digest (sha256 hex) of the catalog body. */
  digest: string;
  siteVersion: string;
  /** Key over everything the compile read (site version, facts...); equal key = same result. */
  inputsKey: string;
  /** The signed envelope, serialized. */
  envelope: Uint8Array;
  compiledAt: Date;
}

export interface CompileFailure {
  certname: string;
  siteVersion: string;
  problems: SiteProblem[];
  at: Date;
}

export interface CatalogStore {
  getCurrentCatalog(certname: string): Promise<StoredCatalog | undefined>;
  /** The newest stored catalog with this body digest (several nodes may share one). */
  getCatalogByDigest(digest: string): Promise<StoredCatalog | undefined>;
  /** Refused (ANCLA_E_INVALID_ARGUMENT) when the node already has this serial: take a fresh nextCatalogSerial. */
  saveCatalog(c: StoredCatalog): Promise<void>;
  /** The serial the next catalog of this node gets: highest stored + 1, starting at 1. */
  nextCatalogSerial(certname: string): Promise<number>;
  /** The releases nodes' current catalogs were compiled at: release retention keeps them. */
  releaseVersionsInUse(): Promise<string[]>;

  // Compile failures (the latest one per node)
  recordCompileFailure(certname: string, siteVersion: string, problems: SiteProblem[], at: Date): Promise<void>;
  clearCompileFailure(certname: string): Promise<void>;
  getCompileFailure(certname: string): Promise<CompileFailure | undefined>;
  /** Every standing compile failure, newest first. */
  listCompileFailures(): Promise<CompileFailure[]>;
}
