// A kept release laid out as a site directory, so the compiler reads it like
// any site: built once per release from its manifest and the shared content
// store, in a temporary directory renamed into place, so a compile never sees
// half a tree (and a crash mid-build leaves only a temporary directory).
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, copyFile, mkdir, rename, rm, symlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { sha256Hex } from "../../catalog/canonical.js";
import { AnclaError } from "../../core/errors.js";
import type { ContentStore } from "../catalogs/content-store.js";
import type { ReleaseRecord } from "../store/store.js";

export class ReleaseTrees {
  private readonly building = new Map<string, Promise<string>>();

  constructor(
    private readonly root: string,
    private readonly blobs: ContentStore,
    private readonly releaseOf: (version: string) => Promise<ReleaseRecord | undefined>,
  ) {}

  /** The directory holding release `version`'s site; refused when the server never kept that release. */
  treeFor(version: string): Promise<string> {
    const dir = this.dirOf(version);
    if (existsSync(dir)) return Promise.resolve(dir);
    const running = this.building.get(dir);
    if (running) return running;
    // Registered before the release is even read, so two callers at once share one build.
    const built = this.lookUpAndBuild(version, dir).finally(() => this.building.delete(dir));
    this.building.set(dir, built);
    return built;
  }

  private async lookUpAndBuild(version: string, dir: string): Promise<string> {
    const release = await this.releaseOf(version);
    if (!release) throw new AnclaError("ANCLA_E_NOT_FOUND", `release ${version} is not kept on this server`);
    return this.build(release, dir);
  }

  /** Removes a pruned release's tree, if it was ever laid out. */
  async remove(version: string): Promise<void> {
    await rm(this.dirOf(version), { recursive: true, force: true });
  }

  private dirOf(version: string): string {
    return join(this.root, sha256Hex(version).slice(0, 32));
  }

  private async build(release: ReleaseRecord, dir: string): Promise<string> {
    const tmp = `${dir}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      for (const file of release.manifest) {
        const target = join(tmp, ...file.path.split("/"));
        await mkdir(dirname(target), { recursive: true });
        if (file.link !== undefined) {
          await symlink(file.link, target);
          continue;
        }
        await copyFile(this.blobs.pathOf(file.sha256), target);
        await chmod(target, file.mode & 0o777);
      }
      await mkdir(tmp, { recursive: true });
      await rename(tmp, dir);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      // Another build of the same release won the rename: its tree is the same.
      if (existsSync(dir)) return dir;
      throw err;
    }
    return dir;
  }
}
