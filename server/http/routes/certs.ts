// Certificates: list, sign a waiting request, revoke.
import type { FastifyInstance } from "fastify";
import { actorOf, requireRole } from "../auth.js";
import { certView } from "../views.js";
import type { ApiDeps } from "./deps.js";

interface CertnameParams {
  certname: string;
}

export function certRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get("/certs", { preHandler: requireRole("viewer") }, async () => ({ certificates: deps.certs.list().map(certView) }));

  app.post<{ Params: CertnameParams }>("/certs/:certname/sign", { preHandler: requireRole("operator") }, async (request) =>
    certView(deps.certs.sign(request.params.certname, actorOf(request))),
  );

  app.post<{ Params: CertnameParams }>("/certs/:certname/revoke", { preHandler: requireRole("operator") }, async (request) => {
    const revoked = deps.certs.revoke(request.params.certname, actorOf(request));
    return { certname: revoked.certname, revoked_serials: revoked.serials };
  });
}
