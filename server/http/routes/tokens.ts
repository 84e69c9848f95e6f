// Tokens (admin only: a bootstrap token mints agent identities, an API token grants a role).
// Either kind is revoked at once by DELETE; revoked tokens stay listed, with when.
import type { FastifyInstance } from "fastify";
import picomatch from "picomatch";
import { AnclaError } from "../../../core/errors.js";
import { MAX_TOKEN_TTL_SECONDS, ROLES } from "../../ca/token-rules.js";
import type { ApiTokenRecord, BootstrapTokenRecord, Role } from "../../store/store.js";
import { actorOf, requireRole } from "../auth.js";
import { arrayOf, fields, object, responses } from "../schemas.js";
import type { ApiDeps } from "./deps.js";

interface TokenBody {
  ttl_seconds?: number;
  certname_glob?: string | null;
  one_time?: boolean;
}

const time = { type: "string", format: "date-time" } as const;
const nullableStr = { type: ["string", "null"] } as const;
const nullableTime = { ...nullableStr, format: "date-time" } as const;

const tokenBodySchema = fields({
  ttl_seconds: { type: "integer", minimum: 1, maximum: MAX_TOKEN_TTL_SECONDS },
  certname_glob: { type: ["string", "null"], minLength: 1 },
  one_time: { type: "boolean" },
});

const createdTokenSchema = object({ token: { type: "string" }, id: { type: "string" }, expires_at: time, certname_glob: nullableStr, one_time: { type: "boolean" } });

const bootstrapTokenSchema = object({
  id: { type: "string" },
  certname_glob: nullableStr,
  expires_at: time,
  one_time: { type: "boolean" },
  used_at: nullableTime,
  created_by: { type: "string" },
  created_at: time,
  revoked_at: nullableTime,
});
const tokenListSchema = object({ tokens: arrayOf(bootstrapTokenSchema) });

const apiTokenBodySchema = fields({ role: { type: "string", enum: [...ROLES] }, name: { type: "string", minLength: 1, maxLength: 100 } }, ["role", "name"]);
const apiTokenSchema = object({ token: { type: "string" }, id: { type: "string" }, role: { type: "string" }, name: { type: "string" } });
const apiTokenInfo = { id: { type: "string" }, role: { type: "string" }, name: { type: "string" }, created_at: time, revoked_at: nullableTime } as const;
const apiTokenListSchema = object({ tokens: arrayOf(object(apiTokenInfo)) });
const idParams = fields({ id: { type: "string", minLength: 1, maxLength: 64 } }, ["id"]);

/** A bootstrap token as listed: never its secret (nor its hash). */
function bootstrapTokenView(t: BootstrapTokenRecord) {
  return {
    id: t.id,
    certname_glob: t.certnameGlob ?? null,
    expires_at: t.expiresAt.toISOString(),
    one_time: t.oneTime,
    used_at: t.usedAt?.toISOString() ?? null,
    created_by: t.createdBy,
    created_at: t.createdAt.toISOString(),
    revoked_at: t.revokedAt?.toISOString() ?? null,
  };
}

/** An API token as listed: never its secret (nor its hash). */
function apiTokenView(t: ApiTokenRecord) {
  return { id: t.id, role: t.role, name: t.name, created_at: t.createdAt.toISOString(), revoked_at: t.revokedAt?.toISOString() ?? null };
}

const DEFAULT_TTL_SECONDS = 3600;

/** A glob picomatch would quietly read as something else ("[" as a literal) is refused, so a token is never scoped by a typo. */
function checkGlob(glob: string): void {
  try {
    picomatch.makeRe(glob, { strictBrackets: true });
  } catch (err) {
    throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", `certname_glob "${glob}" is not a valid glob: ${(err as Error).message}`);
  }
}
const tags = ["tokens"];

export function tokenRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const admin = requireRole("admin");

  app.post<{ Body: TokenBody | undefined }>(
    "/tokens",
    { preHandler: admin, schema: { tags, summary: "create an agent bootstrap token (audited); the secret is shown only here", body: tokenBodySchema, response: responses(createdTokenSchema, 201) } },
    async (request, reply) => {
      const body = request.body ?? {};
      const oneTime = body.one_time ?? true;
      if (body.certname_glob) checkGlob(body.certname_glob);
      const created = await deps.certs.createBootstrapToken({ ttlSeconds: body.ttl_seconds ?? DEFAULT_TTL_SECONDS, certnameGlob: body.certname_glob ?? undefined, oneTime }, actorOf(request));
      void reply.code(201);
      return { token: created.token, id: created.id, expires_at: created.expiresAt.toISOString(), certname_glob: body.certname_glob ?? null, one_time: oneTime };
    },
  );

  app.get("/tokens", { preHandler: admin, schema: { tags, summary: "bootstrap tokens, newest first (never their secrets)", response: responses(tokenListSchema) } }, async () => ({
    tokens: (await deps.store.certificates.listBootstrapTokens()).map(bootstrapTokenView),
  }));

  app.delete<{ Params: { id: string } }>(
    "/tokens/:id",
    { preHandler: admin, schema: { tags, summary: "revoke a bootstrap token at once: it enrols no more agents (audited)", params: idParams, response: responses(bootstrapTokenSchema) } },
    async (request) => bootstrapTokenView(await deps.certs.revokeBootstrapToken(request.params.id, actorOf(request))),
  );

  app.post<{ Body: { role: Role; name: string } }>(
    "/api-tokens",
    {
      preHandler: admin,
      schema: {
        tags,
        summary: "create an API token with a role (audited), e.g. a viewer token for Prometheus; the secret is shown only here",
        body: apiTokenBodySchema,
        response: responses(apiTokenSchema, 201),
      },
    },
    async (request, reply) => {
      const { role, name } = request.body;
      const created = await deps.certs.createApiToken(role, name, actorOf(request));
      void reply.code(201);
      return { ...created, role, name };
    },
  );

  app.get(
    "/api-tokens",
    { preHandler: admin, schema: { tags, summary: "API tokens, newest first, revoked ones included (never their secrets)", response: responses(apiTokenListSchema) } },
    async () => ({
      tokens: (await deps.store.access.listApiTokens()).map(apiTokenView),
    }),
  );

  app.delete<{ Params: { id: string } }>(
    "/api-tokens/:id",
    {
      preHandler: admin,
      schema: {
        tags,
        summary: "revoke an API token at once: its next request is a 401 and its dashboard sessions end (audited); the last live admin token cannot be revoked",
        params: idParams,
        response: responses(object(apiTokenInfo)),
      },
    },
    async (request) => apiTokenView(await deps.certs.revokeApiToken(request.params.id, actorOf(request))),
  );
}
