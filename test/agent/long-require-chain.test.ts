// The apply order of a very long require chain: the cycle search before the
// topological sort used to recurse once per resource and overflow.
import t from "tap";
import { buildGraph } from "../../agent/engine/graph.js";
import type { Edge, Resource } from "../../catalog/model.js";

const LENGTH = 100_000;
const resources: Resource[] = Array.from({ length: LENGTH }, (_, i) => ({ type: "x", title: String(i), properties: {} }));
/** x:1 after x:0, x:2 after x:1, …, declared in reverse so the order comes from the edges alone. */
const chainEdges: Edge[] = Array.from({ length: LENGTH - 1 }, (_, i) => ({ from: `x:${i}`, to: `x:${i + 1}`, kind: "require" }));

t.test("a 100,000-resource chain orders without a RangeError", (t) => {
  const order = buildGraph([...resources].reverse(), chainEdges, () => []).order;
  t.equal(order.length, LENGTH);
  t.ok(order.every((node, i) => node.ref === `x:${i}` && node.problem === undefined));
  t.end();
});

t.test("a 100,000-resource cycle fails every member and still orders them all", (t) => {
  const closing: Edge = { from: `x:${LENGTH - 1}`, to: "x:0", kind: "require" };
  const order = buildGraph(resources, [...chainEdges, closing], () => []).order;
  t.equal(order.length, LENGTH);
  t.ok(order.every((node) => node.problem?.startsWith("dependency cycle among x:0, x:1, x:2, ")));
  t.end();
});
