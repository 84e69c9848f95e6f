// A require chain as long as a generated site can make must not overflow the
// stack when the compiler looks for cycles (it used a recursive Tarjan).
import t from "tap";
import type { SiteProblem } from "../../catalog/compile-seam.js";
import { link, type Declared } from "../../catalog/site/graph.js";

const LENGTH = 100_000;

/** file:/srv/0 ← file:/srv/1 ← …: each resource requires the one before; `closed` makes the first require the last. */
function chain(closed: boolean): Declared[] {
  return Array.from({ length: LENGTH }, (_, i): Declared => {
    const before = i > 0 ? i - 1 : closed ? LENGTH - 1 : undefined;
    const where = { file: "modules/base/module.yaml", line: i + 1, column: 1 };
    return { ref: `file:/srv/${i}`, where, relations: before === undefined ? [] : [{ kind: "require", ref: `file:/srv/${before}`, where }] };
  });
}

t.test("a 100,000-resource require chain links without a RangeError and without problems", (t) => {
  const problems: SiteProblem[] = [];
  const edges = link(chain(false), problems);
  t.equal(edges.length, LENGTH - 1);
  t.same(problems, []);
  t.end();
});

t.test("a 100,000-resource cycle is one problem, at its first member's edge", (t) => {
  const problems: SiteProblem[] = [];
  link(chain(true), problems);
  t.equal(problems.length, 1);
  t.equal(problems[0].line, 1);
  t.match(problems[0].message, /^dependency cycle between file:\/srv\/0, file:\/srv\/1, file:\/srv\/2, /);
  t.end();
});
