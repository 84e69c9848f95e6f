// The checks that need every resource of the node at once: duplicate
// `type:title`s, references to undeclared resources, and dependency cycles.
import type { SiteProblem } from "../compile-seam.js";
import type { Edge, Resource } from "../model.js";
import { cyclicComponents } from "../graph/scc.js";
import type { RelationKind } from "./resource-decl.js";
import { formatWhere, type Where } from "./yaml-file.js";

export interface Relation {
  kind: RelationKind;
  /** `type:title` of the other resource. */
  ref: string;
  where: Where;
}

/**
 * A resource as declared for the node, with where it came from for the
 * graph's problems. `resource` is absent when its properties were wrong: it
 * still takes its place in the graph, so references to it are not reported
 * as dangling too and its own references are still checked.
 */
export interface Declared {
  ref: string;
  where: Where;
  relations: Relation[];
  resource?: Resource;
}

/** The catalog edges of the declared resources, reporting what makes them unusable. */
export function link(declared: Declared[], problems: SiteProblem[]): Edge[] {
  const byRef = indexUnique(declared, problems);
  const edges: Edge[] = [];
  const edgeWhere = new Map<string, Where>();
  for (const d of declared) {
    for (const r of d.relations) {
      if (!byRef.has(r.ref)) {
        problems.push({ ...r.where, message: `${r.kind}: ${r.ref} is not declared for this node` });
        continue;
      }
      const edge = toEdge(d.ref, r);
      const key = `${edge.kind} ${edge.from} ${edge.to}`;
      if (edgeWhere.has(key)) continue;
      edges.push(edge);
      edgeWhere.set(key, r.where);
    }
  }
  for (const cycle of cycles(declared, edges)) {
    const members = new Set(cycle);
    const inside = edges.find((e) => members.has(e.from) && members.has(e.to))!;
    problems.push({ ...edgeWhere.get(`${inside.kind} ${inside.from} ${inside.to}`)!, message: `dependency cycle between ${cycle.join(", ")}` });
  }
  return edges;
}

/** require/subscribe: the other resource comes first; before/notify: this one does. Notify and subscribe also refresh. */
function toEdge(self: string, r: Relation): Edge {
  const kind = r.kind === "notify" || r.kind === "subscribe" ? "notify" : "require";
  const otherFirst = r.kind === "require" || r.kind === "subscribe";
  return otherFirst ? { from: r.ref, to: self, kind } : { from: self, to: r.ref, kind };
}

function indexUnique(declared: Declared[], problems: SiteProblem[]): Map<string, Declared> {
  const byRef = new Map<string, Declared>();
  for (const d of declared) {
    const first = byRef.get(d.ref);
    if (first) problems.push({ ...d.where, message: `duplicate resource ${d.ref}; first declared at ${formatWhere(first.where)}` });
    else byRef.set(d.ref, d);
  }
  return byRef;
}

/** The dependency cycles, each listed in declaration order so that the problem is reported at the first member. */
function cycles(declared: Declared[], edges: Edge[]): string[][] {
  const order = new Map<string, number>();
  for (const d of declared) if (!order.has(d.ref)) order.set(d.ref, order.size);
  const refs = [...order.keys()];
  const next = refs.map((): number[] => []);
  for (const e of edges) next[order.get(e.from)!].push(order.get(e.to)!);
  return cyclicComponents(refs.length, (v) => next[v]).map((component) => component.map((v) => refs[v]));
}
