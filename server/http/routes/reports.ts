// Reports: paged (keyset) with filters, one report in full, its events.
import type { FastifyInstance } from "fastify";
import { AnclaError } from "../../../core/errors.js";
import { reportStatusWords, reportToJson } from "../../../proto/report-words.js";
import { MAX_REPORT_PAGE } from "../../store/store.js";
import { requireRole } from "../auth.js";
import { arrayOf, eventSchema, fields, object, position, protoReportSchema, reportSummarySchema, responses } from "../schemas.js";
import { eventView, reportSummaryView } from "../views.js";
import type { ApiDeps } from "./deps.js";

interface ReportsQuery {
  node?: string;
  status?: string;
  changes_only?: boolean;
  corrective_only?: boolean;
  since?: string;
  limit: number;
  cursor?: string;
}

interface RunQuery {
  node?: string;
}

interface EventsQuery extends RunQuery {
  changes_only?: boolean;
  corrective_only?: boolean;
  limit: number;
  offset: number;
}

const reportsQuerySchema = fields({
  node: { type: "string", minLength: 1, description: "certname" },
  status: { type: "string", enum: [...reportStatusWords.words], description: "the run's status as the agent reported it" },
  changes_only: { type: "boolean", description: "only runs with at least one changed event" },
  corrective_only: { type: "boolean", description: "only runs that corrected drift" },
  since: { type: "string", format: "date-time", description: "runs started at or after this time" },
  limit: { type: "integer", minimum: 1, maximum: MAX_REPORT_PAGE, default: 50 },
  cursor: { type: "string", maxLength: 200, description: "the `next` of the previous page" },
});

const reportPageSchema = object({ reports: arrayOf(reportSummarySchema), next: { type: ["string", "null"] } });

// Run ids are unique per node: a run id two nodes reported needs the node (409 ANCLA_E_RUN_ID_AMBIGUOUS without it).
const runNode = { type: "string", minLength: 1, description: "certname of the run's node; needed when several nodes reported the run id" } as const;
const runQuerySchema = fields({ node: runNode });

const eventsQuerySchema = fields({
  node: runNode,
  changes_only: { type: "boolean" },
  corrective_only: { type: "boolean" },
  limit: { type: "integer", minimum: 1, maximum: 1000, default: 200 },
  offset: { ...position(0), default: 0 },
});

const eventPageSchema = object({ total: { type: "integer" }, events: arrayOf(eventSchema) });

const runIdParams = fields({ runId: { type: "string", minLength: 1, maxLength: 128 } }, ["runId"]);

export function reportRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const viewer = requireRole("viewer");
  const tags = ["reports"];

  app.get<{ Querystring: ReportsQuery }>(
    "/reports",
    { preHandler: viewer, schema: { tags, summary: "run reports, newest first, keyset-paged", querystring: reportsQuerySchema, response: responses(reportPageSchema) } },
    async (request) => {
      const q = request.query;
      const page = await deps.store.reports.listReports({
        certname: q.node,
        status: q.status,
        changesOnly: q.changes_only,
        correctiveOnly: q.corrective_only,
        since: q.since === undefined ? undefined : new Date(q.since),
        limit: q.limit,
        cursor: q.cursor,
      });
      return { reports: page.reports.map(reportSummaryView), next: page.next ?? null };
    },
  );

  app.get<{ Params: { runId: string }; Querystring: RunQuery }>(
    "/reports/:runId",
    {
      preHandler: viewer,
      schema: { tags, summary: "one run report in full (protobuf JSON): events, logs, timings", params: runIdParams, querystring: runQuerySchema, response: responses(protoReportSchema) },
    },
    async (request) => reportToJson(await requireReport(deps, request.params.runId, request.query.node)),
  );

  app.get<{ Params: { runId: string }; Querystring: EventsQuery }>(
    "/reports/:runId/events",
    {
      preHandler: viewer,
      schema: {
        tags,
        summary: "the events of a run, paged, optionally only changes or only corrective ones",
        params: runIdParams,
        querystring: eventsQuerySchema,
        response: responses(eventPageSchema),
      },
    },
    async (request) => {
      const { runId } = request.params;
      const q = request.query;
      // One lookup of the run's row when it has events to show; only an empty page asks again whether the run exists
      // (the Store interface answers an unknown run as no events).
      const page = await deps.store.reports.reportEvents(runId, { changesOnly: q.changes_only, correctiveOnly: q.corrective_only, limit: q.limit, offset: q.offset }, q.node);
      if (page.total === 0 && !(await deps.store.reports.getReportSummary(runId, q.node))) throw notFound(runId, q.node);
      return { total: page.total, events: page.events.map(eventView) };
    },
  );
}

async function requireReport(deps: ApiDeps, runId: string, node: string | undefined) {
  const report = await deps.store.reports.getReport(runId, node);
  if (!report) throw notFound(runId, node);
  return report;
}

const notFound = (runId: string, node: string | undefined) => new AnclaError("ANCLA_E_NOT_FOUND", `no report with run id "${runId}"${node === undefined ? "" : ` from "${node}"`}`);
