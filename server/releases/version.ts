// How a release reads for people (its version, its files' modes), wherever it is shown (the CLI's
// tables, the dashboard): the whole version is a git commit and a content
// hash, 117 characters, too long for a column and the same in its first few.

/** A version as people read it: the commit's first 12 characters and the content hash's first 12. */
export function shortVersion(version: string): string {
  const m = /^(?:git:([0-9a-f]+)\+)?sha256:([0-9a-f]+)$/.exec(version);
  if (!m) return version;
  return m[1] ? `${m[1].slice(0, 12)}+${m[2].slice(0, 12)}` : `sha256:${m[2].slice(0, 12)}`;
}

/** A file's mode as people write it (0644), not as a number. */
export function fileMode(mode: number): string {
  return mode.toString(8).padStart(4, "0");
}
