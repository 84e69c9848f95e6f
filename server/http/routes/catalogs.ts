// Catalogs by digest: what a report's catalog_digest names, decoded.
import { AnclaError } from "../../../core/errors.js";
import { requireRole } from "../auth.js";
import Type from "typebox";
import { catalogSchema, object, responses } from "../schemas.js";
import { catalogView } from "../views.js";
import type { ApiDeps, ApiInstance } from "./deps.js";

export function catalogRoutes(app: ApiInstance, deps: ApiDeps): void {
  app.get(
    "/catalogs/:digest",
    {
      preHandler: requireRole("viewer"),
      schema: {
        tags: ["catalogs"],
        summary: "a catalog by its body digest (the newest issued with that digest), decoded",
        params: object({ digest: Type.String({ pattern: "^[0-9a-f]{64}$" }) }),
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
