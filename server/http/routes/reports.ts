// Reports: paged (keyset) with filters, one report in full, its events.
import { AnclaError } from "../../../core/errors.js";
import { reportStatusWords, reportToJson } from "../../../proto/report-words.js";
import { MAX_REPORT_PAGE } from "../../store/store.js";
import { requireRole } from "../auth.js";
import Type from "typebox";
import { arrayOf, eventSchema, int, nullableStr, object, opt, position, protoReportSchema, reportSummarySchema, responses, words } from "../schemas.js";
import { eventView, reportSummaryView } from "../views.js";
import type { ApiDeps, ApiInstance } from "./deps.js";

const DEFAULT_REPORT_PAGE = 50;
const DEFAULT_EVENT_PAGE = 200;

const reportsQuerySchema = object({
  node: opt(Type.String({ minLength: 1, description: "certname" })),
  status: opt(words(reportStatusWords.words, { description: "the run's status as the agent reported it" })),
  changes_only: opt(Type.Boolean({ description: "only runs with at least one changed event" })),
  corrective_only: opt(Type.Boolean({ description: "only runs that corrected drift" })),
  since: opt(Type.String({ format: "date-time", description: "runs started at or after this time" })),
  limit: opt(Type.Integer({ minimum: 1, maximum: MAX_REPORT_PAGE, default: DEFAULT_REPORT_PAGE })),
  cursor: opt(Type.String({ maxLength: 200, description: "the `next` of the previous page" })),
});

const reportPageSchema = object({ reports: arrayOf(reportSummarySchema), next: nullableStr });

// Run ids are unique per node: a run id two nodes reported needs the node (409 ANCLA_E_RUN_ID_AMBIGUOUS without it).
const runNode = opt(Type.String({ minLength: 1, description: "certname of the run's node; needed when several nodes reported the run id" }));
const runQuerySchema = object({ node: runNode });
const eventsQuerySchema = object({
  node: runNode,
  changes_only: opt(Type.Boolean()),
  corrective_only: opt(Type.Boolean()),
  limit: opt(Type.Integer({ minimum: 1, maximum: 1000, default: DEFAULT_EVENT_PAGE })),
  offset: opt(position(0, { default: 0 })),
});

const eventPageSchema = object({ total: int, events: arrayOf(eventSchema) });

const runIdParams = object({ runId: Type.String({ minLength: 1, maxLength: 128 }) });

export function reportRoutes(app: ApiInstance, deps: ApiDeps): void {
  const viewer = requireRole("viewer");
  const tags = ["reports"];

  app.get(
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
        limit: q.limit ?? DEFAULT_REPORT_PAGE,
        cursor: q.cursor,
      });
      return { reports: page.reports.map(reportSummaryView), next: page.next ?? null };
    },
  );

  app.get(
    "/reports/:runId",
    {
      preHandler: viewer,
      schema: { tags, summary: "one run report in full (protobuf JSON): events, logs, timings", params: runIdParams, querystring: runQuerySchema, response: responses(protoReportSchema) },
    },
    async (request) => reportToJson(await requireReport(deps, request.params.runId, request.query.node)),
  );

  app.get(
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
      const page = await deps.store.reports.reportEvents(
        runId,
        { changesOnly: q.changes_only, correctiveOnly: q.corrective_only, limit: q.limit ?? DEFAULT_EVENT_PAGE, offset: q.offset ?? 0 },
        q.node,
      );
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
