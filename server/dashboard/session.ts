// Who is asking, for the dashboard: the same operator API tokens as /api/v1
// (same table, same roles), taken from the session cookie the login page sets
// or from an `Authorization: Bearer` header (so curl and benchmarks can time
// pages). Form posts are checked against cross-site forgery.
import type { FastifyReply, FastifyRequest } from "fastify";
import { AnclaError } from "../../proto/errors.js";
import { hashSecret } from "../ca/secrets.js";
import type { ApiTokenRecord, Store } from "../store/store.js";
import { queryString } from "./urls.js";

export const SESSION_COOKIE = "ancla_session";
/** A pasted token stays for a working day; the token itself does not expire with it. */
const SESSION_SECONDS = 12 * 3600;
const BEARER = /^Bearer\s+(\S+)\s*$/i;

declare module "fastify" {
  interface FastifyRequest {
    /** The dashboard caller authenticated with the session cookie (not a header): its form posts need the CSRF check. */
    viaCookie?: boolean;
  }
}

/** The caller's token record, from the Authorization header first, then the cookie; undefined when neither names a known token. */
export function findCaller(store: Store, request: FastifyRequest): ApiTokenRecord | undefined {
  const header = BEARER.exec(request.headers.authorization ?? "");
  if (header) return store.findApiToken(hashSecret(header[1]));
  const cookie = request.cookies[SESSION_COOKIE];
  if (!cookie) return undefined;
  const token = store.findApiToken(hashSecret(cookie));
  if (token) request.viaCookie = true;
  return token;
}

/**
 * An onRequest hook for every page: without a known token the answer is a
 * redirect to the login page, never data. A form post checks where it came from.
 */
export function requireSession(store: Store): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (request, reply) => {
    const token = findCaller(store, request);
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

export function setSession(reply: FastifyReply, token: string): void {
  void reply.setCookie(SESSION_COOKIE, token, { path: "/", httpOnly: true, secure: true, sameSite: "strict", maxAge: SESSION_SECONDS });
}

export function clearSession(reply: FastifyReply): void {
  void reply.clearCookie(SESSION_COOKIE, { path: "/", httpOnly: true, secure: true, sameSite: "strict" });
}

/** Where to go after logging in: only a path on this server (no open redirect to another site). */
export function localPath(next: unknown): string {
  return typeof next === "string" && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/";
}
