// The store's part for artifacts: which SHA-256 each pushed NAME@VERSION names
// (the bytes are in server/artifacts' content store).

export interface Artifact {
  name: string;
  version: string;
  sha256: string;
  size: number;
  pushedBy: string;
  pushedAt: Date;
}

export interface ArtifactRecordStore {
  /** The push of name@version, if there was one. */
  lookup(name: string, version: string): Promise<Artifact | undefined>;
  /** Every artifact, by name, newest push first within a name. */
  list(): Promise<Artifact[]>;
  /** Records a push; refused (ANCLA_E_ARTIFACT_CONFLICT) when name@version is recorded already. */
  insert(artifact: Artifact): Promise<void>;
}
