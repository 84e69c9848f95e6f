// Keeps a release of every site version the server compiles from: told the
// version of each check-in, it snapshots a version it has not kept yet, once,
// in the background (a check-in never waits for it), with the git commit,
// author and subject as labels when the site is a repository.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { ContentStore } from "../catalogs/content-store.js";
import type { Logger } from "../log.js";
import type { Store } from "../store/store.js";
import { snapshotSite } from "./snapshot.js";

const run = promisify(execFile);

type ReleaseParts = Pick<Store, "releases">;

export class ReleaseService {
  /** Versions kept (or being kept): checked before the store, as this runs on every check-in. */
  private readonly kept = new Set<string>();
  private readonly taking = new Map<string, Promise<void>>();

  constructor(
    private readonly store: ReleaseParts,
    private readonly blobs: ContentStore,
    private readonly siteDir: string,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A site version was seen: kept from now on, if it is not already. */
  observe(version: string): void {
    if (this.kept.has(version) || this.taking.has(version)) return;
    const taking = this.keep(version).finally(() => this.taking.delete(version));
    this.taking.set(version, taking);
  }

  /** A release was pruned: seen again (a site reverted to it), it is kept again. */
  forget(version: string): void {
    this.kept.delete(version);
  }

  /** Resolves once every snapshot under way is done (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all(this.taking.values());
  }

  private async keep(version: string): Promise<void> {
    try {
      if (await this.store.releases.getRelease(version)) {
        this.kept.add(version);
        return;
      }
      const snapshot = await snapshotSite(this.siteDir, version, this.blobs);
      if (!snapshot.ok) {
        this.logger.info({ version, reason: snapshot.reason }, "release not kept yet");
        return;
      }
      const labels = await gitLabels(this.siteDir, version);
      const files = snapshot.files;
      await this.store.releases.saveRelease({ version, ...labels, firstSeenAt: this.now(), files: files.length, bytes: files.reduce((n, f) => n + f.size, 0), manifest: files });
      this.kept.add(version);
      this.logger.info({ version, files: files.length }, "kept a new release");
    } catch (err) {
      // The next check-in on this version tries again.
      this.logger.error({ err, version }, "keeping a release failed");
    }
  }
}

/** The commit a `git:COMMIT+sha256:…` version names, with its author and subject; nothing for a site that is no repository. */
async function gitLabels(siteDir: string, version: string): Promise<{ commit?: string; author?: string; subject?: string }> {
  const commit = /^git:([0-9a-f]{40,64})\+/.exec(version)?.[1];
  if (!commit) return {};
  try {
    const { stdout } = await run("git", ["-C", siteDir, "log", "-1", "--format=%an <%ae>%x00%s", commit], { timeout: 10_000 });
    const [author, subject] = stdout.replace(/\n$/, "").split("\0");
    return { commit, author, subject };
  } catch {
    // No git here, or the commit is gone (a shallow clone): the commit still names it.
    return { commit };
  }
}
