// Releases: every site version the server kept (server/releases), newest
// first, and one with its files. Viewer role: they hold no secrets beyond
// what catalogs already show (file names and digests, not bytes).
import type { FastifyInstance } from "fastify";
import { AnclaError } from "../../../core/errors.js";
import { fileMode } from "../../releases/version.js";
import type { ReleaseRecord, ReleaseSummary } from "../../store/store.js";
import { requireRole } from "../auth.js";
import { arrayOf, fields, object, responses } from "../schemas.js";
import type { ApiDeps } from "./deps.js";

const tags = ["releases"];
const str = { type: "string" } as const;
const nullableStr = { type: ["string", "null"] } as const;
const int = { type: "integer" } as const;

const releaseProperties = {
  version: str,
  commit: nullableStr,
  author: nullableStr,
  subject: nullableStr,
  first_seen_at: { type: "string", format: "date-time" },
  files: int,
  bytes: int,
} as const;

const releaseSchema = object(releaseProperties);
const fileSchema = object({ path: str, sha256: str, size: int, mode: str, link: nullableStr });
const releaseDetailSchema = object({ ...releaseProperties, manifest: arrayOf(fileSchema) });

export function releaseView(r: ReleaseSummary) {
  return { version: r.version, commit: r.commit ?? null, author: r.author ?? null, subject: r.subject ?? null, first_seen_at: r.firstSeenAt.toISOString(), files: r.files, bytes: r.bytes };
}

function releaseDetailView(r: ReleaseRecord) {
  const manifest = r.manifest.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size, mode: fileMode(f.mode), link: f.link ?? null }));
  return { ...releaseView(r), manifest };
}

export function releaseRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const viewer = requireRole("viewer");
  app.get(
    "/releases",
    { preHandler: viewer, schema: { tags, summary: "the site versions the server kept, newest first", response: responses(object({ releases: arrayOf(releaseSchema) })) } },
    async () => ({
      releases: (await deps.store.releases.listReleases()).map(releaseView),
    }),
  );
  app.get<{ Params: { version: string } }>(
    "/releases/:version",
    {
      preHandler: viewer,
      schema: {
        tags,
        summary: "one release (by its site version) with its files",
        params: fields({ version: { type: "string", minLength: 1 } }, ["version"]),
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
