// Run now: `POST /api/v1/runs` asks the nodes a certname glob names to check in
// and converge at once, through their Watch streams (operator, audited). A node
// without an open stream is answered `connected: false`: it runs at its next
// interval. Waiting for the results is the caller's (`ancla run --wait` polls
// the reports for runs that started after `requested_at`).
import { certnameGlob } from "../../../catalog/certname-glob.js";
import { AnclaError } from "../../../core/errors.js";
import { listNodes, MAX_NODE_LIMIT } from "../../status.js";
import type { WatchHub } from "../../watch/hub.js";
import { actorOf, requireRole } from "../auth.js";
import Type, { type Static } from "typebox";
import { arrayOf, object, opt, responses, str } from "../schemas.js";
import type { ApiDeps, ApiInstance } from "./deps.js";

const runBodySchema = object({
  nodes: Type.String({ minLength: 1, maxLength: 256, description: "certname glob (picomatch), e.g. web-* or {web,db}-0[1-3]" }),
  noop: opt(Type.Boolean({ description: "a noop run: report what would change, change nothing (this run only)" })),
});

const runAnswerSchema = object({
  requested_at: Type.String({ format: "date-time", description: "the server's time of the request: the runs it asked for start after it" }),
  request_id: Type.String({ description: "the request's id, in each agent's log" }),
  nodes: arrayOf(object({ certname: str, connected: Type.Boolean({ description: "false: no Watch stream open, it runs at its next interval" }) })),
});
export type RunAnswerJson = Static<typeof runAnswerSchema>;

/** Every node the store knows (deactivated ones come back when they check in) and every node holding a stream. */
async function knownCertnames(deps: ApiDeps, watch: WatchHub): Promise<Set<string>> {
  const known = new Set(watch.connected());
  for (let offset = 0; ; offset += MAX_NODE_LIMIT) {
    const page = await listNodes(deps.store, { ...deps.statusOptions(), sort: "certname", limit: MAX_NODE_LIMIT, offset });
    for (const node of page.nodes) known.add(node.certname);
    if (page.nodes.length < MAX_NODE_LIMIT) return known;
  }
}

export function runRoutes(app: ApiInstance, deps: ApiDeps, watch: WatchHub): void {
  app.post(
    "/runs",
    {
      preHandler: requireRole("operator"),
      schema: {
        tags: ["runs"],
        summary: "ask the nodes matching a certname glob to run now, over their Watch streams (operator, audited); nodes not connected run at their next interval",
        body: runBodySchema,
        response: responses(runAnswerSchema, 202),
      },
    },
    async (request, reply) => {
      const { nodes: glob, noop = false } = request.body;
      const matches = certnameGlob(glob, "nodes");
      const certnames = [...(await knownCertnames(deps, watch))].filter(matches).sort();
      if (certnames.length === 0) throw new AnclaError("ANCLA_E_NOT_FOUND", `no node matches "${glob}" (ancla nodes lists them)`);
      const actor = actorOf(request);
      const requestedAt = new Date();
      const { requestId, notConnected } = watch.nudge(certnames, { noop, reason: `ancla run by ${actor}` });
      const offline = new Set(notConnected);
      await deps.store.audit.appendAudit({
        at: requestedAt,
        actor,
        action: "node.run",
        target: glob,
        detail: { request_id: requestId, noop, nodes: certnames.length, connected: certnames.length - offline.size },
      });
      void reply.code(202);
      return { requested_at: requestedAt.toISOString(), request_id: requestId, nodes: certnames.map((certname) => ({ certname, connected: !offline.has(certname) })) };
    },
  );
}
