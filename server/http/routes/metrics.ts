// GET /metrics for Prometheus, on the API's port. Authorised like the API: a
// bearer token of any role (a viewer token is the one to give Prometheus:
// `authorization: {credentials: TOKEN}` in the scrape config). The fleet's
// statuses and the database size are data, so there is no anonymous scrape.
import type { ServerMetrics } from "../../metrics/metrics.js";
import { requireRole } from "../auth.js";
import type { ApiInstance } from "./deps.js";

export function metricsRoutes(metrics: ServerMetrics): (app: ApiInstance) => Promise<void> {
  return async (app) => {
    app.get("/metrics", { preHandler: requireRole("viewer") }, async (_request, reply) => {
      const { contentType, body } = await metrics.exposition();
      return reply.type(contentType).send(body);
    });
  };
}
