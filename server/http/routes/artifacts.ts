// Artifacts: push an image (operator; the body streams straight into the
// artifact store, which hashes it on the way and keeps nothing half-written;
// audited) and list them (viewer). A plugin of its own under /api/v1, so its
// raw-body parser applies to these routes only.
import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import type { Readable } from "node:stream";
import type { Artifact, ArtifactStore } from "../../artifacts/store.js";
import type { Store } from "../../store/store.js";
import { actorOf, authenticate, requireRole } from "../auth.js";
import { responses } from "../schemas.js";

const tags = ["artifacts"];

const artifactSchema = {
  type: "object",
  additionalProperties: false,
  required: ["name", "version", "sha256", "size", "pushed_by", "pushed_at"],
  properties: {
    name: { type: "string" },
    version: { type: "string" },
    sha256: { type: "string" },
    size: { type: "integer" },
    pushed_by: { type: "string" },
    pushed_at: { type: "string", format: "date-time" },
  },
};

export function artifactView(a: Artifact) {
  return { name: a.name, version: a.version, sha256: a.sha256, size: a.size, pushed_by: a.pushedBy, pushed_at: a.pushedAt.toISOString() };
}

export function artifactRoutes(artifacts: ArtifactStore, store: Store): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.addHook("onRequest", authenticate(store));
    // The body is handed over unread: the store streams it to disk, whatever its size.
    app.addContentTypeParser("application/octet-stream", (_request, payload, done) => done(null, payload));

    app.put<{ Params: { name: string; version: string }; Body: Readable }>(
      "/artifacts/:name/:version",
      {
        preHandler: requireRole("operator"),
        schema: {
          tags,
          summary: "push an artifact (an image tar or tar.gz) as NAME@VERSION: the body is the file (application/octet-stream); audited",
          params: { type: "object", required: ["name", "version"], properties: { name: { type: "string" }, version: { type: "string" } } },
          response: responses({ ...artifactSchema, required: [...artifactSchema.required, "created"], properties: { ...artifactSchema.properties, created: { type: "boolean" } } }, 201),
        },
      },
      async (request, reply) => {
        const { name, version } = request.params;
        const actor = actorOf(request);
        const { artifact, created } = await artifacts.receive(name, version, request.body, actor);
        store.appendAudit({ at: new Date(), actor, action: "artifact.push", target: `${name}@${version}`, detail: { sha256: artifact.sha256, size: artifact.size, created } });
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
          response: responses({ type: "object", additionalProperties: false, required: ["artifacts"], properties: { artifacts: { type: "array", items: artifactSchema } } }),
        },
      },
      async () => ({ artifacts: artifacts.list().map(artifactView) }),
    );
  };
}
