// The apply order: topological by edges (plus autorequires), declaration order
// where the edges leave a choice. Bad structure (a cycle, an edge to a resource
// that is not in the catalog, a duplicate) becomes a problem on the resources
// concerned, so the engine fails those and carries on with the rest.
import { cyclicComponents } from "../../catalog/graph/scc.js";
import { resourceRef, type Edge, type EdgeKind, type Resource } from "../../catalog/model.js";

export interface GraphNode {
  /** Position in the catalog's resource list. */
  index: number;
  ref: string;
  resource: Resource;
  /** A second declaration of a ref: it fails, and edges name the first one. */
  duplicate: boolean;
  /** Why this resource cannot be applied at all; it fails with this message. */
  problem?: string;
  /** Resources that must be applied (successfully) before this one, with why. */
  requires: { ref: string; kind: EdgeKind | "autorequire" }[];
  /** Resources this one sends a refresh to when it changes. */
  notifies: string[];
}

export interface ApplyGraph {
  /** Every resource exactly once, in apply order. */
  order: GraphNode[];
}

export type Autorequire = (resource: Resource, isManaged: (ref: string) => boolean) => string[];

export function buildGraph(resources: readonly Resource[], edges: readonly Edge[], autorequire: Autorequire): ApplyGraph {
  const nodes = resources.map((resource, index): GraphNode => ({ index, ref: resourceRef(resource), resource, duplicate: false, requires: [], notifies: [] }));
  const byRef = indexByRef(nodes);
  const successors = nodes.map(() => new Set<number>());
  const link = (from: GraphNode, to: GraphNode, kind: GraphNode["requires"][number]["kind"]) => {
    if (successors[from.index].has(to.index)) return;
    successors[from.index].add(to.index);
    to.requires.push({ ref: from.ref, kind });
  };

  for (const edge of edges) {
    const from = byRef.get(edge.from);
    const to = byRef.get(edge.to);
    if (!from || !to) {
      blameMissing(edge, from, to);
      continue;
    }
    link(from, to, edge.kind);
    if (edge.kind === "notify") from.notifies.push(to.ref);
  }
  const isManaged = (ref: string) => byRef.has(ref);
  for (const node of nodes) {
    for (const ref of autorequire(node.resource, isManaged)) {
      const from = byRef.get(ref);
      if (from && from !== node) link(from, node, "autorequire");
    }
  }
  markCycles(nodes, successors);
  return { order: stableTopologicalOrder(nodes, successors) };
}

function indexByRef(nodes: GraphNode[]): Map<string, GraphNode> {
  const byRef = new Map<string, GraphNode>();
  for (const node of nodes) {
    const first = byRef.get(node.ref);
    if (!first) {
      byRef.set(node.ref, node);
      continue;
    }
    node.duplicate = true;
    addProblem(node, `${node.ref} is declared twice (resources #${first.index + 1} and #${node.index + 1})`);
  }
  return byRef;
}

function blameMissing(edge: Edge, from: GraphNode | undefined, to: GraphNode | undefined): void {
  if (to && !from) addProblem(to, `${edge.kind === "notify" ? "subscribes to" : "requires"} ${edge.from}, which is not in the catalog`);
  if (from && !to) addProblem(from, `${edge.kind === "notify" ? "notifies" : "must come before"} ${edge.to}, which is not in the catalog`);
}

function addProblem(node: GraphNode, problem: string): void {
  node.problem = node.problem ? `${node.problem}; ${problem}` : problem;
}

/**
 * Every member of a cycle gets a problem naming the cycle, and the edges
 * inside it are dropped so the rest still orders.
 */
function markCycles(nodes: GraphNode[], successors: Set<number>[]): void {
  for (const component of cyclicComponents(nodes.length, (v) => successors[v])) breakCycle(nodes, successors, component);
}

function breakCycle(nodes: GraphNode[], successors: Set<number>[], component: number[]): void {
  const members = new Set(component);
  const problem = `dependency cycle among ${component.map((i) => nodes[i].ref).join(", ")}`;
  for (const i of component) {
    addProblem(nodes[i], problem);
    for (const w of [...successors[i]]) if (members.has(w)) successors[i].delete(w);
  }
}

/** Kahn's algorithm, always taking the ready resource declared first. */
function stableTopologicalOrder(nodes: GraphNode[], successors: Set<number>[]): GraphNode[] {
  const indegree = nodes.map(() => 0);
  for (const succ of successors) for (const w of succ) indegree[w]++;
  const ready = new MinHeap();
  for (const node of nodes) if (indegree[node.index] === 0) ready.push(node.index);
  const order: GraphNode[] = [];
  for (let v = ready.pop(); v !== undefined; v = ready.pop()) {
    order.push(nodes[v]);
    for (const w of successors[v]) if (--indegree[w] === 0) ready.push(w);
  }
  return order;
}

class MinHeap {
  private readonly items: number[] = [];

  push(value: number): void {
    const a = this.items;
    a.push(value);
    for (let i = a.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (a[parent] <= a[i]) break;
      [a[parent], a[i]] = [a[i], a[parent]];
      i = parent;
    }
  }

  pop(): number | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    a[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < a.length && a[l] < a[smallest]) smallest = l;
      if (r < a.length && a[r] < a[smallest]) smallest = r;
      if (smallest === i) break;
      [a[smallest], a[i]] = [a[i], a[smallest]];
      i = smallest;
    }
    return top;
  }
}
