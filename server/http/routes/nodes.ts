// Nodes: the filtered, sorted, paged list; one node; its latest report; its current catalog.
import { ENVIRONMENT_NAME } from "../../../catalog/site/rules.js";
import type { FastifyInstance } from "fastify";
import { AnclaError } from "../../../core/errors.js";
import { reportToJson } from "../../../proto/report-words.js";
import { listNodes, MAX_NODE_LIMIT, nodeDetail, NODE_STATUSES, type NodeStatus } from "../../status.js";
import { actorOf, requireRole } from "../auth.js";
import { arrayOf, catalogSchema, certnameParams, fields, nodeDetailSchema, nodeProbesSchema, nodeSchema, object, position, protoReportSchema, responses } from "../schemas.js";
import { catalogView, nodeDetailView, nodeProbesView, nodeView } from "../views.js";
import { storedCatalog } from "../../../catalog/envelope.js";
import { nodeProbes } from "../../health/node-probes.js";
import type { ApiDeps } from "./deps.js";

interface CertnameParams {
  certname: string;
}

interface NodesQuery {
  status?: NodeStatus;
  search?: string;
  environment?: string;
  fact?: string;
  sort?: "certname" | "status" | "last_run";
  order?: "asc" | "desc";
  limit?: number;
  offset?: number;
}

const nodesQuerySchema = fields({
  status: { type: "string", enum: [...NODE_STATUSES] },
  search: { type: "string", maxLength: 256, description: "certname substring, case-insensitive" },
  environment: { type: "string", pattern: ENVIRONMENT_NAME.source, description: "only the nodes in this environment (nodes.yaml `environment:`)" },
  fact: { type: "string", pattern: "^[^=]+=", maxLength: 1024, description: "PATH=VALUE: a dotted fact path equal to a value, e.g. os.family=debian" },
  sort: { type: "string", enum: ["certname", "status", "last_run"], default: "certname" },
  order: { type: "string", enum: ["asc", "desc"], default: "asc" },
  limit: { type: "integer", minimum: 1, maximum: MAX_NODE_LIMIT, default: 100 },
  offset: { ...position(0), default: 0 },
});

const nodePageSchema = object({ total: { type: "integer" }, limit: { type: "integer" }, offset: { type: "integer" }, nodes: arrayOf(nodeSchema) });

/** "os.family=debian" → { path, value }; the value may itself hold "=". */
function parseFact(fact: string | undefined): { path: string; value: string } | undefined {
  if (fact === undefined) return undefined;
  const i = fact.indexOf("=");
  return { path: fact.slice(0, i), value: fact.slice(i + 1) };
}

export function nodeRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const viewer = requireRole("viewer");
  const tags = ["nodes"];

  app.get<{ Querystring: NodesQuery }>(
    "/nodes",
    { preHandler: viewer, schema: { tags, summary: "nodes with their status, filtered, sorted and paged", querystring: nodesQuerySchema, response: responses(nodePageSchema) } },
    async (request) => {
      const { fact, ...q } = request.query;
      const page = await listNodes(deps.store, { ...deps.statusOptions(), ...q, fact: parseFact(fact) });
      return { total: page.total, limit: q.limit, offset: q.offset, nodes: page.nodes.map(nodeView) };
    },
  );

  app.get<{ Params: CertnameParams }>(
    "/nodes/:certname",
    { preHandler: viewer, schema: { tags, summary: "one node: status, last run, facts, compile failure", params: certnameParams, response: responses(nodeDetailSchema) } },
    async (request) => {
      const node = await nodeDetail(deps.store, request.params.certname, deps.statusOptions());
      if (!node) throw unknownNode(request.params.certname);
      return nodeDetailView(node);
    },
  );

  app.get<{ Params: CertnameParams }>(
    "/nodes/:certname/report",
    { preHandler: viewer, schema: { tags, summary: "the node's latest run report (protobuf JSON)", params: certnameParams, response: responses(protoReportSchema) } },
    async (request) => {
      const report = await deps.store.reports.latestReport(request.params.certname);
      if (!report) throw new AnclaError("ANCLA_E_NOT_FOUND", `no report from "${request.params.certname}"`);
      return reportToJson(report);
    },
  );

  app.get<{ Params: CertnameParams }>(
    "/nodes/:certname/catalog",
    { preHandler: viewer, schema: { tags, summary: "the node's current catalog, decoded (sensitive values redacted)", params: certnameParams, response: responses(catalogSchema) } },
    async (request) => {
      const stored = await deps.store.catalogs.getCurrentCatalog(request.params.certname);
      if (!stored) throw new AnclaError("ANCLA_E_NOT_FOUND", `no catalog compiled for "${request.params.certname}"`);
      return catalogView(stored);
    },
  );

  app.get<{ Params: CertnameParams; Querystring: { minutes: number } }>(
    "/nodes/:certname/probes",
    {
      preHandler: viewer,
      schema: {
        tags,
        summary: "the node's probes: what its catalog declares and what they measured over the last minutes (attempts, errors by kind, latency quantiles, per-minute points)",
        params: certnameParams,
        querystring: fields({ minutes: { type: "integer", minimum: 1, maximum: 35 * 24 * 60, default: 60 } }),
        response: responses(nodeProbesSchema),
      },
    },
    async (request) => {
      const { certname } = request.params;
      if (!(await deps.store.nodes.getNode(certname))) throw unknownNode(certname);
      const stored = await deps.store.catalogs.getCurrentCatalog(certname);
      const declared = stored ? (storedCatalog(stored.envelope).probes ?? []) : [];
      return nodeProbesView(certname, await nodeProbes(deps.store.health, certname, declared, new Date(), request.query.minutes * 60_000));
    },
  );

  // Puppet's `node deactivate`: a retired host stops counting (and never turns "unresponsive"); its next check-in brings it back.
  app.post<{ Params: CertnameParams }>(
    "/nodes/:certname/deactivate",
    {
      preHandler: requireRole("operator"),
      schema: { tags, summary: "leave the node out of lists and counts until it checks in again (operator, audited)", params: certnameParams, response: responses(nodeDetailSchema) },
    },
    async (request) => {
      const { certname } = request.params;
      await deps.store.transaction(async (tx) => {
        if (!(await tx.nodes.deactivateNode(certname, new Date()))) throw unknownNode(certname);
        await tx.audit.appendAudit({ at: new Date(), actor: actorOf(request), action: "node.deactivate", target: certname, detail: {} });
      });
      return nodeDetailView((await nodeDetail(deps.store, certname, deps.statusOptions()))!);
    },
  );

  app.delete<{ Params: CertnameParams }>(
    "/nodes/:certname",
    {
      preHandler: requireRole("admin"),
      schema: {
        tags,
        summary: "delete the node's data: facts, reports, catalogs, compile failure (admin, audited); its certificate stays (ancla cert revoke)",
        params: certnameParams,
        response: responses(object({ certname: { type: "string" }, removed: { type: "boolean" } })),
      },
    },
    async (request) => {
      const { certname } = request.params;
      await deps.store.transaction(async (tx) => {
        if (!(await tx.nodes.removeNode(certname))) throw unknownNode(certname);
        await tx.audit.appendAudit({ at: new Date(), actor: actorOf(request), action: "node.remove", target: certname, detail: {} });
      });
      return { certname, removed: true };
    },
  );
}

const unknownNode = (certname: string) => new AnclaError("ANCLA_E_NOT_FOUND", `no node "${certname}"`);
