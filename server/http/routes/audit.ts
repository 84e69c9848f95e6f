// The audit log, newest first, paged by id.
import { requireRole } from "../auth.js";
import Type from "typebox";
import { arrayOf, auditEntrySchema, nullableInt, object, opt, position, responses } from "../schemas.js";
import { auditView } from "../views.js";
import type { ApiDeps, ApiInstance } from "./deps.js";

const DEFAULT_AUDIT_PAGE = 100;

const auditQuerySchema = object({
  limit: opt(Type.Integer({ minimum: 1, maximum: 1000, default: DEFAULT_AUDIT_PAGE })),
  before: opt(position(1)),
});

const auditPageSchema = object({ entries: arrayOf(auditEntrySchema), next_before: nullableInt });

export function auditRoutes(app: ApiInstance, deps: ApiDeps): void {
  app.get(
    "/audit",
    { preHandler: requireRole("viewer"), schema: { tags: ["audit"], summary: "who changed what and when, newest first", querystring: auditQuerySchema, response: responses(auditPageSchema) } },
    async (request) => {
      const { limit = DEFAULT_AUDIT_PAGE } = request.query;
      const entries = await deps.store.audit.listAudit({ limit, beforeId: request.query.before });
      // A full page may have more behind it: hand back where to continue.
      const next = entries.length === limit ? entries[entries.length - 1].id : null;
      return { entries: entries.map(auditView), next_before: next };
    },
  );
}
