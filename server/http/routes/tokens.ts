// Tokens (admin only: a bootstrap token mints agent identities, an API token grants a role).
// Either kind is revoked at once by DELETE; revoked tokens stay listed, with when.
import { certnameGlob } from "../../../catalog/certname-glob.js";
import { MAX_TOKEN_TTL_SECONDS, ROLES } from "../../ca/token-rules.js";
import type { ApiTokenRecord, BootstrapTokenRecord } from "../../store/store.js";
import { actorOf, requireRole } from "../auth.js";
import Type, { type Static } from "typebox";
import { arrayOf, bool, idParams, nullableStr, nullableTime, object, opt, responses, str, time, words } from "../schemas.js";
import type { ApiDeps, ApiInstance } from "./deps.js";

const tokenBodySchema = object({
  ttl_seconds: opt(Type.Integer({ minimum: 1, maximum: MAX_TOKEN_TTL_SECONDS })),
  certname_glob: opt(Type.Unsafe<string | null>({ type: ["string", "null"], minLength: 1 })),
  one_time: opt(bool),
});

const createdTokenSchema = object({ token: str, id: str, expires_at: time, certname_glob: nullableStr, one_time: bool });
export type CreatedTokenJson = Static<typeof createdTokenSchema>;

const bootstrapTokenSchema = object({
  id: str,
  certname_glob: nullableStr,
  expires_at: time,
  one_time: bool,
  used_at: nullableTime,
  created_by: str,
  created_at: time,
  revoked_at: nullableTime,
});
export type BootstrapTokenJson = Static<typeof bootstrapTokenSchema>;
const tokenListSchema = object({ tokens: arrayOf(bootstrapTokenSchema) });

const apiTokenBodySchema = object({ role: words(ROLES), name: Type.String({ minLength: 1, maxLength: 100 }) });
const apiTokenSchema = object({ token: str, id: str, role: str, name: str });
export type CreatedApiTokenJson = Static<typeof apiTokenSchema>;
const apiTokenInfoSchema = object({ id: str, role: str, name: str, created_at: time, revoked_at: nullableTime });
export type ApiTokenJson = Static<typeof apiTokenInfoSchema>;
const apiTokenListSchema = object({ tokens: arrayOf(apiTokenInfoSchema) });

/** A bootstrap token as listed: never its secret (nor its hash). */
function bootstrapTokenView(t: BootstrapTokenRecord): BootstrapTokenJson {
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
function apiTokenView(t: ApiTokenRecord): ApiTokenJson {
  return { id: t.id, role: t.role, name: t.name, created_at: t.createdAt.toISOString(), revoked_at: t.revokedAt?.toISOString() ?? null };
}

const DEFAULT_TTL_SECONDS = 3600;

const tags = ["tokens"];

export function tokenRoutes(app: ApiInstance, deps: ApiDeps): void {
  const admin = requireRole("admin");

  app.post(
    "/tokens",
    { preHandler: admin, schema: { tags, summary: "create an agent bootstrap token (audited); the secret is shown only here", body: tokenBodySchema, response: responses(createdTokenSchema, 201) } },
    async (request, reply) => {
      const body = request.body ?? {};
      const oneTime = body.one_time ?? true;
      if (body.certname_glob) certnameGlob(body.certname_glob, "certname_glob");
      const created = await deps.certs.createBootstrapToken({ ttlSeconds: body.ttl_seconds ?? DEFAULT_TTL_SECONDS, certnameGlob: body.certname_glob ?? undefined, oneTime }, actorOf(request));
      void reply.code(201);
      return { token: created.token, id: created.id, expires_at: created.expiresAt.toISOString(), certname_glob: body.certname_glob ?? null, one_time: oneTime };
    },
  );

  app.get("/tokens", { preHandler: admin, schema: { tags, summary: "bootstrap tokens, newest first (never their secrets)", response: responses(tokenListSchema) } }, async () => ({
    tokens: (await deps.store.certificates.listBootstrapTokens()).map(bootstrapTokenView),
  }));

  app.delete(
    "/tokens/:id",
    { preHandler: admin, schema: { tags, summary: "revoke a bootstrap token at once: it enrols no more agents (audited)", params: idParams, response: responses(bootstrapTokenSchema) } },
    async (request) => bootstrapTokenView(await deps.certs.revokeBootstrapToken(request.params.id, actorOf(request))),
  );

  app.post(
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

  app.delete(
    "/api-tokens/:id",
    {
      preHandler: admin,
      schema: {
        tags,
        summary: "revoke an API token at once: its next request is a 401 and its dashboard sessions end (audited); the last live admin token cannot be revoked",
        params: idParams,
        response: responses(apiTokenInfoSchema),
      },
    },
    async (request) => apiTokenView(await deps.certs.revokeApiToken(request.params.id, actorOf(request))),
  );
}
