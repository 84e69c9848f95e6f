// Certificates: list (optionally only one state, e.g. the pending requests), sign or reject a waiting request, revoke.
import { actorOf, requireRole } from "../auth.js";
import { arrayOf, certnameParams, certSchema, object, opt, responses, str, words } from "../schemas.js";
import { certView } from "../views.js";
import type { ApiDeps, ApiInstance } from "./deps.js";

const tags = ["certificates"];
const STATES = ["pending", "signed", "rejected", "revoked"] as const;

export function certRoutes(app: ApiInstance, deps: ApiDeps): void {
  app.get(
    "/certs",
    {
      preHandler: requireRole("viewer"),
      schema: {
        tags,
        summary: "the newest request or certificate of every certname; ?state=pending lists the waiting requests",
        querystring: object({ state: opt(words(STATES)) }),
        response: responses(object({ certificates: arrayOf(certSchema) })),
      },
    },
    async (request) => {
      const { state } = request.query;
      const all = await deps.certs.list();
      return { certificates: (state ? all.filter((c) => c.state === state) : all).map(certView) };
    },
  );

  app.post(
    "/certs/:certname/sign",
    { preHandler: requireRole("operator"), schema: { tags, summary: "sign the waiting request of a node (audited)", params: certnameParams, response: responses(certSchema) } },
    async (request) => certView(await deps.certs.sign(request.params.certname, actorOf(request))),
  );

  app.post(
    "/certs/:certname/reject",
    { preHandler: requireRole("operator"), schema: { tags, summary: "reject the waiting request of a node (audited)", params: certnameParams, response: responses(certSchema) } },
    async (request) => certView(await deps.certs.reject(request.params.certname, actorOf(request))),
  );

  app.post(
    "/certs/:certname/revoke",
    {
      preHandler: requireRole("operator"),
      schema: {
        tags,
        summary: "revoke every certificate of a node (audited)",
        params: certnameParams,
        response: responses(object({ certname: str, revoked_serials: arrayOf(str) })),
      },
    },
    async (request) => {
      const revoked = await deps.certs.revoke(request.params.certname, actorOf(request));
      return { certname: revoked.certname, revoked_serials: revoked.serials };
    },
  );
}
