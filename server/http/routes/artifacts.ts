// Artifacts: push an image (operator; the body streams straight into the
// artifact store, which hashes it on the way and keeps nothing half-written;
// audited) and list them (viewer). A plugin of its own under /api/v1, so its
// raw-body parser applies to these routes only.
import type { FastifyRequest } from "fastify";
import { Transform, type Readable, type TransformCallback } from "node:stream";
import { AnclaError } from "../../../core/errors.js";
import type { Artifact, ArtifactStore } from "../../artifacts/store.js";
import type { Store } from "../../store/store.js";
import { actorOf, requireRole } from "../auth.js";
import Type, { type Static } from "typebox";
import { arrayOf, int, object, responses, str, time } from "../schemas.js";
import type { ApiInstance } from "./deps.js";

const tags = ["artifacts"];

const artifactProperties = { name: str, version: str, sha256: str, size: int, pushed_by: str, pushed_at: time };
const artifactSchema = object(artifactProperties);
export type ArtifactJson = Static<typeof artifactSchema>;
const pushedSchema = object({ ...artifactProperties, created: Type.Boolean({ description: "false: this very file was pushed before under this name and version" }) });
export type PushedArtifactJson = Static<typeof pushedSchema>;

export function artifactView(a: Artifact): ArtifactJson {
  return { name: a.name, version: a.version, sha256: a.sha256, size: a.size, pushed_by: a.pushedBy, pushed_at: a.pushedAt.toISOString() };
}

/** 2 GiB: far above an image tar a host swaps in, far below filling the server's disk from one push. */
export const DEFAULT_MAX_ARTIFACT_BYTES = 2 * 1024 * 1024 * 1024;

const tooLarge = (max: number, what: string) =>
  new AnclaError("ANCLA_E_TOO_LARGE", `${what} is over the artifact size limit of ${max} bytes (--max-artifact-bytes / max_artifact_bytes); nothing was kept`);

/** Passes at most `max` bytes through and fails the stream on the next one, so the store drops its temp file. */
class ByteLimit extends Transform {
  private seen = 0;
  exceeded = false;

  constructor(private readonly max: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.max) {
      this.exceeded = true;
      done(tooLarge(this.max, "the upload"));
    } else done(null, chunk);
  }
}

/** A 415 (fastify's status for a media type no parser takes) that says what to send instead. */
function unsupportedMediaType(type: string | undefined): Error {
  return Object.assign(new Error(`artifacts are pushed as application/octet-stream, not ${type ?? "a body without a content-type"}`), { statusCode: 415 });
}

/** A declared length over the limit is refused before a byte of the body is read. */
function refuseDeclaredSize(max: number) {
  return async (request: FastifyRequest): Promise<void> => {
    const declared = Number(request.headers["content-length"]);
    if (declared > max) throw tooLarge(max, `content-length ${declared}`);
  };
}

/** The artifact routes, for a scope of their own (their raw-body parser applies to them only) behind authenticated(). */
export function artifactRoutes(artifacts: ArtifactStore, store: Store, maxBytes = DEFAULT_MAX_ARTIFACT_BYTES): (app: ApiInstance) => Promise<void> {
  return async (app) => {
    // Only raw bytes: a JSON body used to reach the store parsed, a 500.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", (request, _payload, done) => done(unsupportedMediaType(request.headers["content-type"])));
    // The body is handed over unread: the store streams it to disk, up to the limit.
    app.addContentTypeParser("application/octet-stream", (_request, payload, done) => done(null, payload));

    app.put(
      "/artifacts/:name/:version",
      {
        onRequest: refuseDeclaredSize(maxBytes),
        preHandler: requireRole("operator"),
        schema: {
          tags,
          summary:
            "push an artifact (an image tar or tar.gz) as NAME@VERSION: the body is the file (application/octet-stream, at most the server's max_artifact_bytes: 413 above it, 415 for another media type); audited",
          params: object({ name: str, version: str }),
          response: responses(pushedSchema, 201),
        },
      },
      async (request, reply) => {
        const { name, version } = request.params;
        const actor = actorOf(request);
        const limit = new ByteLimit(maxBytes);
        // The octet-stream parser above hands the body over as the request stream (no schema describes it).
        const body = request.body as Readable;
        // A client that goes away mid-upload fails the store's write instead of stalling it.
        body.once("error", (err) => limit.destroy(err));
        const { artifact, created } = await artifacts.receive(name, version, body.pipe(limit), actor).catch((err: unknown) => {
          if (!limit.exceeded) throw err;
          // The rest of the body is not read: the answer ends the connection instead.
          void reply.header("connection", "close");
          // The store reports any broken upload as "did not arrive whole"; one cut at the limit is a 413.
          throw tooLarge(maxBytes, "the upload");
        });
        await store.audit.appendAudit({ at: new Date(), actor, action: "artifact.push", target: `${name}@${version}`, detail: { sha256: artifact.sha256, size: artifact.size, created } });
        return reply.code(201).send({ ...artifactView(artifact), created });
      },
    );

    app.get(
      "/artifacts",
      {
        preHandler: requireRole("viewer"),
        schema: {
          tags,
          summary: "every pushed artifact: name, version, SHA-256, size, who pushed it when",
          response: responses(object({ artifacts: arrayOf(artifactSchema) })),
        },
      },
      async () => ({ artifacts: (await artifacts.list()).map(artifactView) }),
    );
  };
}
