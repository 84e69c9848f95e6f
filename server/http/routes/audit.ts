// The audit log, newest first, paged by id.
import type { FastifyInstance } from "fastify";
import { requireRole } from "../auth.js";
import { arrayOf, auditEntrySchema, fields, object, position, responses } from "../schemas.js";
import { auditView } from "../views.js";
import type { ApiDeps } from "./deps.js";

interface AuditQuery {
  limit: number;
  before?: number;
}

const auditQuerySchema = fields({
  limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
  before: position(1),
});

const auditPageSchema = object({ entries: arrayOf(auditEntrySchema), next_before: { type: ["integer", "null"] } });

export function auditRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get<{ Querystring: AuditQuery }>(
    "/audit",
    { preHandler: requireRole("viewer"), schema: { tags: ["audit"], summary: "who changed what and when, newest first", querystring: auditQuerySchema, response: responses(auditPageSchema) } },
    async (request) => {
      const { limit } = request.query;
      const entries = await deps.store.audit.listAudit({ limit, beforeId: request.query.before });
      // A full page may have more behind it: hand back where to continue.
      const next = entries.length === limit ? entries[entries.length - 1].id : null;
      return { entries: entries.map(auditView), next_before: next };
    },
  );
}
