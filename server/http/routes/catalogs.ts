// Catalogs by digest: what a report's catalog_digest names, decoded.
import type { FastifyInstance } from "fastify";
import { AnclaError } from "../../../core/errors.js";
import { requireRole } from "../auth.js";
import { catalogSchema, fields, responses } from "../schemas.js";
import { catalogView } from "../views.js";
import type { ApiDeps } from "./deps.js";

export function catalogRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get<{ Params: { digest: string } }>(
    "/catalogs/:digest",
    {
      preHandler: requireRole("viewer"),
      schema: {
        tags: ["catalogs"],
        summary: "a catalog by its body digest (the newest issued with that digest), decoded",
        params: fields({ digest: { type: "string", pattern: "^[0-9a-f]{64}$" } }, ["digest"]),
        response: responses(catalogSchema),
      },
    },
    async (request) => {
      const stored = await deps.store.catalogs.getCatalogByDigest(request.params.digest);
      if (!stored) throw new AnclaError("ANCLA_E_NOT_FOUND", `no catalog with digest ${request.params.digest}`);
      return catalogView(stored);
    },
  );
}
