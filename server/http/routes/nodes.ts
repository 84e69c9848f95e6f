// Nodes, their status and their latest report.
import type { FastifyInstance } from "fastify";
import { toJson } from "@bufbuild/protobuf";
import { ReportSchema } from "../../../proto/gen/ancla/v1/agent_pb.js";
import { AnclaError } from "../../../proto/errors.js";
import { isNodeStatus, listNodes, nodeDetail, NODE_STATUSES } from "../../status.js";
import { requireRole } from "../auth.js";
import { nodeDetailView, nodeView } from "../views.js";
import type { ApiDeps } from "./deps.js";

interface CertnameParams {
  certname: string;
}

export function nodeRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const viewer = { preHandler: requireRole("viewer") };

  app.get<{ Querystring: { status?: string } }>("/nodes", viewer, async (request) => {
    const { status } = request.query;
    if (status !== undefined && !isNodeStatus(status)) {
      throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", `unknown status "${status}"; use one of ${NODE_STATUSES.join(", ")}`);
    }
    const page = listNodes(deps.store, { ...deps.statusOptions(), status });
    return { total: page.total, nodes: page.nodes.map(nodeView) };
  });

  app.get<{ Params: CertnameParams }>("/nodes/:certname", viewer, async (request) => {
    const node = nodeDetail(deps.store, request.params.certname, deps.statusOptions());
    if (!node) throw new AnclaError("ANCLA_E_NOT_FOUND", `no node "${request.params.certname}"`);
    return nodeDetailView(node);
  });

  app.get<{ Params: CertnameParams }>("/nodes/:certname/report", viewer, async (request) => {
    const report = deps.store.latestReport(request.params.certname);
    if (!report) throw new AnclaError("ANCLA_E_NOT_FOUND", `no report from "${request.params.certname}"`);
    return toJson(ReportSchema, report);
  });
}
