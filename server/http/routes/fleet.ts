// The fleet at a glance: counts by status, drift over time, standing compile failures.
import type { FastifyInstance } from "fastify";
import { driftHistory, fleetSummary, MAX_HISTORY_DAYS, NODE_STATUSES } from "../../status.js";
import { requireRole } from "../auth.js";
import { arrayOf, compileFailureSchema, fields, object, responses } from "../schemas.js";
import { compileFailureView } from "../views.js";
import type { ApiDeps } from "./deps.js";

const count = { type: "integer" } as const;

const summarySchema = object({ total: count, by_status: object(Object.fromEntries(NODE_STATUSES.map((s) => [s, count]))) });

const daySchema = object({ day: { type: "string", format: "date" }, runs: count, drifted: count, failed: count, changed: count, unchanged: count, noop: count });

export function fleetRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const viewer = requireRole("viewer");
  const tags = ["fleet"];

  app.get("/fleet/summary", { preHandler: viewer, schema: { tags, summary: "how many nodes are in each status", response: responses(summarySchema) } }, async () => {
    const s = await fleetSummary(deps.store, deps.statusOptions());
    return { total: s.total, by_status: s.byStatus };
  });

  app.get<{ Querystring: { days: number } }>(
    "/fleet/drift",
    {
      preHandler: viewer,
      schema: {
        tags,
        summary: "runs per UTC day by run status (drift over time), oldest first",
        querystring: fields({ days: { type: "integer", minimum: 1, maximum: MAX_HISTORY_DAYS, default: 30 } }),
        response: responses(object({ days: arrayOf(daySchema) })),
      },
    },
    async (request) => ({ days: await driftHistory(deps.store, { days: request.query.days, now: deps.statusOptions().now }) }),
  );

  app.get(
    "/compile-failures",
    {
      preHandler: viewer,
      schema: { tags, summary: "nodes the site does not compile for, newest first", response: responses(object({ failures: arrayOf(compileFailureSchema) })) },
    },
    async () => ({ failures: (await deps.store.catalogs.listCompileFailures()).map(compileFailureView) }),
  );
}
