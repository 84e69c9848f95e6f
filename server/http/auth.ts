// Operator authentication: a bearer token from api_tokens, and a role ladder
// viewer < operator < admin checked per route.
import type { FastifyRequest } from "fastify";
import { AnclaError } from "../../core/errors.js";
import { hashSecret } from "../ca/secrets.js";
import type { ApiTokenRecord, Role, Store } from "../store/store.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The caller's token, set by authenticate() before any /api/v1 handler runs. */
    apiToken?: ApiTokenRecord;
  }
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** An onRequest hook: 401 unless the request carries a known token. */
export function authenticate(store: Store): (request: FastifyRequest) => Promise<void> {
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
  // authenticate() runs for every route of the API scope; reaching here without it is a wiring bug.
  if (!request.apiToken) throw new Error("API route registered outside the authenticated scope");
  return request.apiToken;
}

/** Who the audit log names for this request. */
export function actorOf(request: FastifyRequest): string {
  const t = callerToken(request);
  return `token:${t.id} (${t.name})`;
}
