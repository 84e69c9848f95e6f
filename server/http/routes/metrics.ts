// GET /metrics for Prometheus, on the API's port. Authorised like the API: a
// bearer token of any role (a viewer token is the one to give Prometheus:
// `authorization: {credentials: TOKEN}` in the scrape config). The fleet's
// statuses and the database size are data, so there is no anonymous scrape.
import type { FastifyInstance } from "fastify";
import type { ServerMetrics } from "../../metrics/metrics.js";
import type { Store } from "../../store/store.js";
import { authenticate, requireRole } from "../auth.js";

export function metricsRoutes(metrics: ServerMetrics, store: Store): (app: FastifyInstance) => Promise<void> {
  return async (app) => {
    app.addHook("onRequest", authenticate(store));
    app.get("/metrics", { preHandler: requireRole("viewer") }, async (_request, reply) => {
      const { contentType, body } = await metrics.exposition();
      return reply.type(contentType).send(body);
    });
  };
}
