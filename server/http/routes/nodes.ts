// Nodes: the filtered, sorted, paged list; one node; its latest report; its current catalog.
import { ENVIRONMENT_NAME } from "../../../catalog/site/rules.js";
import Type from "typebox";
import { AnclaError } from "../../../core/errors.js";
import { reportToJson } from "../../../proto/report-words.js";
import { DEFAULT_NODE_LIMIT, listNodes, MAX_NODE_LIMIT, nodeDetail, NODE_STATUSES } from "../../status.js";
import { actorOf, requireRole } from "../auth.js";
import {
  arrayOf,
  bool,
  catalogSchema,
  certnameParams,
  int,
  nodeDetailSchema,
  nodeProbesSchema,
  nodeSchema,
  nodeSortSchema,
  object,
  opt,
  position,
  protoReportSchema,
  responses,
  str,
  words,
} from "../schemas.js";
import { catalogView, nodeDetailView, nodeProbesView, nodeView } from "../views.js";
import { storedCatalog } from "../../../catalog/envelope.js";
import { nodeProbes } from "../../health/node-probes.js";
import type { ApiDeps, ApiInstance } from "./deps.js";

/** How far back a node's probes page looks unless asked. */
const DEFAULT_PROBE_MINUTES = 60;

const nodesQuerySchema = object({
  status: opt(words(NODE_STATUSES)),
  search: opt(Type.String({ maxLength: 256, description: "certname substring, case-insensitive" })),
  environment: opt(Type.String({ pattern: ENVIRONMENT_NAME.source, description: "only the nodes in this environment (nodes.yaml `environment:`)" })),
  fact: opt(Type.String({ pattern: "^[^=]+=", maxLength: 1024, description: "PATH=VALUE: a dotted fact path equal to a value, e.g. os.family=debian" })),
  sort: opt(nodeSortSchema),
  order: opt(words(["asc", "desc"], { default: "asc" })),
  limit: opt(Type.Integer({ minimum: 1, maximum: MAX_NODE_LIMIT, default: DEFAULT_NODE_LIMIT })),
  offset: opt(position(0, { default: 0 })),
});

const nodePageSchema = object({ total: int, limit: int, offset: int, nodes: arrayOf(nodeSchema) });

/** "os.family=debian" → { path, value }; the value may itself hold "=". */
function parseFact(fact: string | undefined): { path: string; value: string } | undefined {
  if (fact === undefined) return undefined;
  const i = fact.indexOf("=");
  return { path: fact.slice(0, i), value: fact.slice(i + 1) };
}

export function nodeRoutes(app: ApiInstance, deps: ApiDeps): void {
  const viewer = requireRole("viewer");
  const tags = ["nodes"];

  app.get(
    "/nodes",
    { preHandler: viewer, schema: { tags, summary: "nodes with their status, filtered, sorted and paged", querystring: nodesQuerySchema, response: responses(nodePageSchema) } },
    async (request) => {
      const { fact, ...q } = request.query;
      const page = await listNodes(deps.store, { ...deps.statusOptions(), ...q, fact: parseFact(fact) });
      return { total: page.total, limit: page.limit, offset: page.offset, nodes: page.nodes.map(nodeView) };
    },
  );

  app.get(
    "/nodes/:certname",
    { preHandler: viewer, schema: { tags, summary: "one node: status, last run, facts, compile failure", params: certnameParams, response: responses(nodeDetailSchema) } },
    async (request) => {
      const node = await nodeDetail(deps.store, request.params.certname, deps.statusOptions());
      if (!node) throw unknownNode(request.params.certname);
      return nodeDetailView(node);
    },
  );

  app.get(
    "/nodes/:certname/report",
    { preHandler: viewer, schema: { tags, summary: "the node's latest run report (protobuf JSON)", params: certnameParams, response: responses(protoReportSchema) } },
    async (request) => {
      const report = await deps.store.reports.latestReport(request.params.certname);
      if (!report) throw new AnclaError("ANCLA_E_NOT_FOUND", `no report from "${request.params.certname}"`);
      return reportToJson(report);
    },
  );

  app.get(
    "/nodes/:certname/catalog",
    { preHandler: viewer, schema: { tags, summary: "the node's current catalog, decoded (sensitive values redacted)", params: certnameParams, response: responses(catalogSchema) } },
    async (request) => {
      const stored = await deps.store.catalogs.getCurrentCatalog(request.params.certname);
      if (!stored) throw new AnclaError("ANCLA_E_NOT_FOUND", `no catalog compiled for "${request.params.certname}"`);
      return catalogView(stored);
    },
  );

  app.get(
    "/nodes/:certname/probes",
    {
      preHandler: viewer,
      schema: {
        tags,
        summary: "the node's probes: what its catalog declares and what they measured over the last minutes (attempts, errors by kind, latency quantiles, per-minute points)",
        params: certnameParams,
        querystring: object({ minutes: opt(Type.Integer({ minimum: 1, maximum: 35 * 24 * 60, default: DEFAULT_PROBE_MINUTES })) }),
        response: responses(nodeProbesSchema),
      },
    },
    async (request) => {
      const { certname } = request.params;
      if (!(await deps.store.nodes.getNode(certname))) throw unknownNode(certname);
      const stored = await deps.store.catalogs.getCurrentCatalog(certname);
      const declared = stored ? (storedCatalog(stored.envelope).probes ?? []) : [];
      return nodeProbesView(certname, await nodeProbes(deps.store.health, certname, declared, new Date(), (request.query.minutes ?? DEFAULT_PROBE_MINUTES) * 60_000));
    },
  );

  // Puppet's `node deactivate`: a retired host stops counting (and never turns "unresponsive"); its next check-in brings it back.
  app.post(
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

  app.delete(
    "/nodes/:certname",
    {
      preHandler: requireRole("admin"),
      schema: {
        tags,
        summary: "delete the node's data: facts, reports, catalogs, compile failure (admin, audited); its certificate stays (ancla cert revoke)",
        params: certnameParams,
        response: responses(object({ certname: str, removed: bool })),
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
