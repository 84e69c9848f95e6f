// Operator authentication: a bearer token from api_tokens, and a role ladder
// viewer < operator < admin checked per route.
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from "fastify";
import { AnclaError } from "../../core/errors.js";
import { hashSecret } from "../ca/secrets.js";
import type { ApiTokenRecord, Role, Store } from "../store/store.js";
import type { ApiInstance } from "./routes/deps.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The caller's token, set by authenticated()'s hook before any /api/v1 handler runs. */
    apiToken?: ApiTokenRecord;
  }
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * A scope whose every route needs a known API token (401 without one), typed by
 * its TypeBox schemas: the one way the API, artifact pushes, /metrics and the
 * install info are mounted, so no route of theirs can be added without the check.
 */
export function authenticated(store: Store, routes: (app: ApiInstance) => Promise<void> | void): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.addHook("onRequest", authenticate(store));
    await routes(app.withTypeProvider<TypeBoxTypeProvider>());
  };
}

/** An onRequest hook: 401 unless the request carries a known token. */
function authenticate(store: Store): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    const match = BEARER.exec(request.headers.authorization ?? "");
    const token = match ? await store.access.findApiToken(hashSecret(match[1])) : undefined;
    if (!token) {
      throw new AnclaError("ANCLA_E_UNAUTHENTICATED", "missing or unknown API token: send `Authorization: Bearer TOKEN` (ancla: --token or ANCLA_TOKEN)");
    }
    request.apiToken = token;
  };
}

/** A preHandler hook: 403 unless the caller's role is at least `role`. */
export function requireRole(role: Role): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    const have = callerToken(request);
    if (RANK[have.role] < RANK[role]) {
      throw new AnclaError("ANCLA_E_PERMISSION_DENIED", `this needs the ${role} role; token "${have.name}" has the ${have.role} role`);
    }
  };
}

function callerToken(request: FastifyRequest): ApiTokenRecord {
  // authenticated() checks every route of the API scope; reaching here without it is a wiring bug.
  if (!request.apiToken) throw new Error("API route registered outside the authenticated scope");
  return request.apiToken;
}

/** Who the audit log names for this request. */
export function actorOf(request: FastifyRequest): string {
  const t = callerToken(request);
  return `token:${t.id} (${t.name})`;
}
