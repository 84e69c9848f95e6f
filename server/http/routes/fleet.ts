// The fleet at a glance: counts by status, drift over time, standing compile failures.
import { DEFAULT_HISTORY_DAYS, driftHistory, fleetSummary, MAX_HISTORY_DAYS, NODE_STATUSES, type NodeStatus } from "../../status.js";
import { requireRole } from "../auth.js";
import Type from "typebox";
import { arrayOf, compileFailureSchema, int, object, opt, responses } from "../schemas.js";
import { compileFailureView } from "../views.js";
import type { ApiDeps, ApiInstance } from "./deps.js";

const summarySchema = object({ total: int, by_status: object(Object.fromEntries(NODE_STATUSES.map((s) => [s, int])) as Record<NodeStatus, typeof int>) });

const daySchema = object({ day: Type.String({ format: "date" }), runs: int, drifted: int, failed: int, changed: int, unchanged: int, noop: int });

export function fleetRoutes(app: ApiInstance, deps: ApiDeps): void {
  const viewer = requireRole("viewer");
  const tags = ["fleet"];

  app.get("/fleet/summary", { preHandler: viewer, schema: { tags, summary: "how many nodes are in each status", response: responses(summarySchema) } }, async () => {
    const s = await fleetSummary(deps.store, deps.statusOptions());
    return { total: s.total, by_status: s.byStatus };
  });

  app.get(
    "/fleet/drift",
    {
      preHandler: viewer,
      schema: {
        tags,
        summary: "runs per UTC day by run status (drift over time), oldest first",
        querystring: object({ days: opt(Type.Integer({ minimum: 1, maximum: MAX_HISTORY_DAYS, default: DEFAULT_HISTORY_DAYS })) }),
        response: responses(object({ days: arrayOf(daySchema) })),
      },
    },
    async (request) => ({ days: await driftHistory(deps.store, { days: request.query.days ?? DEFAULT_HISTORY_DAYS, now: deps.statusOptions().now }) }),
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
