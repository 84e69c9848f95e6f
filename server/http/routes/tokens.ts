// Tokens (admin only: a bootstrap token mints agent identities, an API token grants a role).
import type { FastifyInstance } from "fastify";
import { MAX_TOKEN_TTL_SECONDS, ROLES } from "../../ca/service.js";
import type { Role } from "../../store/store.js";
import { actorOf, requireRole } from "../auth.js";
import { responses } from "../schemas.js";
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

const createdTokenSchema = {
  type: "object",
  additionalProperties: false,
  required: ["token", "id", "expires_at", "certname_glob", "one_time"],
  properties: { token: { type: "string" }, id: { type: "string" }, expires_at: { type: "string", format: "date-time" }, certname_glob: { type: ["string", "null"] }, one_time: { type: "boolean" } },
} as const;

const tokenListSchema = {
  type: "object",
  additionalProperties: false,
  required: ["tokens"],
  properties: {
    tokens: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["id", "certname_glob", "expires_at", "one_time", "used_at", "created_by", "created_at"],
        properties: {
          id: { type: "string" },
          certname_glob: { type: ["string", "null"] },
          expires_at: { type: "string", format: "date-time" },
          one_time: { type: "boolean" },
          used_at: { type: ["string", "null"], format: "date-time" },
          created_by: { type: "string" },
          created_at: { type: "string", format: "date-time" },
        },
      },
    },
  },
} as const;

const apiTokenBodySchema = {
  type: "object",
  additionalProperties: false,
  required: ["role", "name"],
  properties: { role: { type: "string", enum: [...ROLES] }, name: { type: "string", minLength: 1, maxLength: 100 } },
} as const;

const DEFAULT_TTL_SECONDS = 3600;
const tags = ["tokens"];

export function tokenRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const admin = requireRole("admin");

  app.post<{ Body: TokenBody | undefined }>(
    "/tokens",
    { preHandler: admin, schema: { tags, summary: "create an agent bootstrap token (audited); the secret is shown only here", body: tokenBodySchema, response: responses(createdTokenSchema, 201) } },
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

  app.get("/tokens", { preHandler: admin, schema: { tags, summary: "bootstrap tokens, newest first (never their secrets)", response: responses(tokenListSchema) } }, async () => ({
    tokens: deps.store.listBootstrapTokens().map((t) => ({
      id: t.id,
      certname_glob: t.certnameGlob ?? null,
      expires_at: t.expiresAt.toISOString(),
      one_time: t.oneTime,
      used_at: t.usedAt?.toISOString() ?? null,
      created_by: t.createdBy,
      created_at: t.createdAt.toISOString(),
    })),
  }));

  app.post<{ Body: { role: Role; name: string } }>(
    "/api-tokens",
    {
      preHandler: admin,
      schema: {
        tags,
        summary: "create an API token with a role (audited), e.g. a viewer token for Prometheus; the secret is shown only here",
        body: apiTokenBodySchema,
        response: responses({ type: "object", additionalProperties: false, required: ["token", "id", "role", "name"], properties: { token: { type: "string" }, id: { type: "string" }, role: { type: "string" }, name: { type: "string" } } }, 201),
      },
    },
    async (request, reply) => {
      const { role, name } = request.body;
      const created = deps.certs.createApiToken(role, name, actorOf(request));
      void reply.code(201);
      return { ...created, role, name };
    },
  );
}
