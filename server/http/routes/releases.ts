// Releases: every site version the server kept (server/releases), newest
// first, and one with its files. Viewer role: they hold no secrets beyond
// what catalogs already show (file names and digests, not bytes).
import { AnclaError } from "../../../core/errors.js";
import { fileMode } from "../../releases/version.js";
import type { ReleaseRecord, ReleaseSummary } from "../../store/store.js";
import { requireRole } from "../auth.js";
import Type, { type Static } from "typebox";
import { arrayOf, int, nullableStr, object, responses, str, time } from "../schemas.js";
import type { ApiDeps, ApiInstance } from "./deps.js";

const tags = ["releases"];
const releaseProperties = {
  version: str,
  commit: nullableStr,
  author: nullableStr,
  subject: nullableStr,
  first_seen_at: time,
  files: int,
  bytes: int,
};

const releaseSchema = object(releaseProperties);
const fileSchema = object({ path: str, sha256: str, size: int, mode: str, link: nullableStr });
const releaseDetailSchema = object({ ...releaseProperties, manifest: arrayOf(fileSchema) });
export type ReleaseJson = Static<typeof releaseSchema>;
export type ReleaseDetailJson = Static<typeof releaseDetailSchema>;

export function releaseView(r: ReleaseSummary): ReleaseJson {
  return { version: r.version, commit: r.commit ?? null, author: r.author ?? null, subject: r.subject ?? null, first_seen_at: r.firstSeenAt.toISOString(), files: r.files, bytes: r.bytes };
}

function releaseDetailView(r: ReleaseRecord): ReleaseDetailJson {
  const manifest = r.manifest.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size, mode: fileMode(f.mode), link: f.link ?? null }));
  return { ...releaseView(r), manifest };
}

export function releaseRoutes(app: ApiInstance, deps: ApiDeps): void {
  const viewer = requireRole("viewer");
  app.get(
    "/releases",
    { preHandler: viewer, schema: { tags, summary: "the site versions the server kept, newest first", response: responses(object({ releases: arrayOf(releaseSchema) })) } },
    async () => ({
      releases: (await deps.store.releases.listReleases()).map(releaseView),
    }),
  );
  app.get(
    "/releases/:version",
    {
      preHandler: viewer,
      schema: {
        tags,
        summary: "one release (by its site version) with its files",
        params: object({ version: Type.String({ minLength: 1 }) }),
        response: responses(releaseDetailSchema),
      },
    },
    async (request) => {
      const release = await deps.store.releases.getRelease(request.params.version);
      if (!release) throw new AnclaError("ANCLA_E_NOT_FOUND", `no release ${request.params.version}; \`ancla release list\` shows the kept ones`);
      return releaseDetailView(release);
    },
  );
}
