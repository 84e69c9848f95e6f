// Bootstrap tokens for agents (admin only: a token mints identities).
import type { FastifyInstance } from "fastify";
import { MAX_TOKEN_TTL_SECONDS } from "../../ca/service.js";
import { actorOf, requireRole } from "../auth.js";
import type { ApiDeps } from "./deps.js";

interface TokenBody {
  ttl_seconds?: number;
  certname_glob?: string | null;
  one_time?: boolean;
}

const tokenBodySchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    ttl_seconds: { type: "integer", minimum: 1, maximum: MAX_TOKEN_TTL_SECONDS },
    certname_glob: { type: ["string", "null"], minLength: 1 },
    one_time: { type: "boolean" },
  },
} as const;

const DEFAULT_TTL_SECONDS = 3600;

export function tokenRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.post<{ Body: TokenBody | undefined }>(
    "/tokens",
    { preHandler: requireRole("admin"), schema: { body: tokenBodySchema } },
    async (request, reply) => {
      const body = request.body ?? {};
      const oneTime = body.one_time ?? true;
      const created = deps.certs.createBootstrapToken(
        { ttlSeconds: body.ttl_seconds ?? DEFAULT_TTL_SECONDS, certnameGlob: body.certname_glob ?? undefined, oneTime },
        actorOf(request),
      );
      void reply.code(201);
      return { token: created.token, id: created.id, expires_at: created.expiresAt.toISOString(), certname_glob: body.certname_glob ?? null, one_time: oneTime };
    },
  );
}
