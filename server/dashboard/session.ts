// Who is asking, for the dashboard: the same operator API tokens as /api/v1
// (same table, same roles), through a server-side session the login page
// opens, or from an `Authorization: Bearer` header (so curl and benchmarks can
// time pages). The cookie holds a random session id, never the token: a copied
// cookie dies with its session (logout, expiry, the token's revocation) and
// does not work against the API. Form posts are checked against cross-site forgery.
import { randomBytes } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { AnclaError } from "../../core/errors.js";
import { hashSecret } from "../ca/secrets.js";
import type { ApiTokenRecord, Store } from "../store/store.js";
import { queryString } from "./urls.js";

export const SESSION_COOKIE = "ancla_session";
/** A login lasts a working day; the token itself does not expire with it. */
const SESSION_SECONDS = 12 * 3600;
const BEARER = /^Bearer\s+(\S+)\s*$/i;

declare module "fastify" {
  interface FastifyRequest {
    /** The dashboard caller authenticated with the session cookie (not a header): its form posts need the CSRF check. */
    viaCookie?: boolean;
  }
}

/** The caller's token record, from the Authorization header first, then the cookie; undefined when neither names a known token. */
export async function findCaller(store: Store, request: FastifyRequest): Promise<ApiTokenRecord | undefined> {
  const header = BEARER.exec(request.headers.authorization ?? "");
  if (header) return await store.access.findApiToken(hashSecret(header[1]));
  const cookie = request.cookies[SESSION_COOKIE];
  if (!cookie) return undefined;
  const token = await store.access.findSession(hashSecret(cookie), new Date());
  if (token) request.viaCookie = true;
  return token;
}

/**
 * An onRequest hook for every page: without a known token the answer is a
 * redirect to the login page, never data. A form post checks where it came from.
 */
export function requireSession(store: Store): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (request, reply) => {
    const token = await findCaller(store, request);
    if (!token) {
      const next = request.method === "GET" ? request.url : undefined;
      await reply.redirect(`/login${queryString({ next })}`, 303);
      return;
    }
    request.apiToken = token;
    if (request.method === "POST" && request.viaCookie) checkSameOrigin(request);
  };
}

/**
 * Refuses a form post that another site made the browser send (CSRF). The
 * cookie is SameSite=Strict already; this is the second lock, for browsers or
 * proxies that do not honour it: the post must name this server as its origin.
 */
export function checkSameOrigin(request: FastifyRequest): void {
  // Browsers send Origin with every form post; Referer is the fallback for old ones. Both name scheme://host[:port].
  const source = request.headers.origin ?? request.headers.referer;
  const site = request.headers["sec-fetch-site"];
  const sameHost = source !== undefined && hostOf(source) === request.host;
  if (!sameHost || (site !== undefined && site !== "same-origin")) {
    throw new AnclaError("ANCLA_E_PERMISSION_DENIED", "refused a form post that did not come from this dashboard (cross-site request); reload the page and try again");
  }
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

/** Opens a session for `token` and sets its cookie; only the id's SHA-256 is stored. */
export async function openSession(store: Store, reply: FastifyReply, token: ApiTokenRecord, at: Date = new Date()): Promise<void> {
  const id = randomBytes(32).toString("base64url");
  await store.access.createSession({ idSha256: hashSecret(id), tokenId: token.id, createdAt: at, expiresAt: new Date(at.getTime() + SESSION_SECONDS * 1000) });
  void reply.setCookie(SESSION_COOKIE, id, { path: "/", httpOnly: true, secure: true, sameSite: "strict", maxAge: SESSION_SECONDS });
}

/** Deletes the request's session on the server (a copy of the cookie stops working too) and clears the cookie. */
export async function closeSession(store: Store, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const cookie = request.cookies[SESSION_COOKIE];
  if (cookie) await store.access.deleteSession(hashSecret(cookie));
  void reply.clearCookie(SESSION_COOKIE, { path: "/", httpOnly: true, secure: true, sameSite: "strict" });
}

/** Where to go after logging in: only a path on this server (no open redirect to another site). */
export function localPath(next: unknown): string {
  return typeof next === "string" && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/";
}

/** Whether the caller's buttons are shown: the changes they post need the operator role (admin includes it), which the routes check again. */
export function canOperate(caller: ApiTokenRecord): boolean {
  return caller.role === "operator" || caller.role === "admin";
}
