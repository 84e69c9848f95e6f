// The dashboard: server-rendered HTML on the API's fastify instance and port.
// Mounted from server/http/server.ts with one line:
//   await app.register(dashboardRoutes(deps))
// Its own scope: the cookie and form parsers, an HTML error page and the
// security headers apply to the dashboard only, never to /api/v1.
import cookie from "@fastify/cookie";
import formbody from "@fastify/formbody";
import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import type { ApiDeps } from "../http/routes/deps.js";
import { assetRoutes } from "./assets.js";
import { auditPageRoutes } from "./pages/audit.js";
import { renderError } from "./errors.js";
import { certificatePageRoutes } from "./pages/certificates.js";
import { fleetPageRoutes } from "./pages/fleet.js";
import { loginRoutes } from "./pages/login.js";
import { nodePageRoutes } from "./pages/node.js";
import { releasePageRoutes } from "./pages/releases.js";
import { reportPageRoutes } from "./pages/report.js";
import { rolloutPageRoutes } from "./pages/rollouts.js";
import { secretPageRoutes } from "./pages/secrets.js";
import { sloPageRoutes } from "./pages/slos.js";
import { requireSession } from "./session.js";

/**
 * No inline script or style, no framing, forms post only here. Pages hold
 * fleet data, so no cache keeps them.
 */
const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
};

export function dashboardRoutes(deps: ApiDeps): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    await app.register(cookie);
    await app.register(formbody);
    app.setErrorHandler(renderError);
    app.addHook("onRequest", async (request, reply) => {
      void reply.headers(SECURITY_HEADERS);
      request.rolloutsShown = deps.rollouts !== undefined;
      request.secretsShown = deps.secrets !== undefined;
    });
    assetRoutes(app);
    loginRoutes(app, deps.store);
    await app.register(async (pages: FastifyInstance) => {
      pages.addHook("onRequest", requireSession(deps.store));
      fleetPageRoutes(pages, deps);
      nodePageRoutes(pages, deps);
      reportPageRoutes(pages, deps);
      releasePageRoutes(pages, deps);
      if (deps.rollouts) rolloutPageRoutes(pages, deps.rollouts, deps.store);
      if (deps.slos) sloPageRoutes(pages, deps.slos);
      if (deps.secrets) secretPageRoutes(pages, deps.secrets);
      certificatePageRoutes(pages, deps);
      auditPageRoutes(pages, deps);
    });
  };
}
