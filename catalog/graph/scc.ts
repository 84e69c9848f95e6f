// Dependency cycles, found once for the compiler and the agent: Tarjan's
// strongly connected components, iterative so a long require chain (thousands
// of resources in a row) cannot overflow the call stack as recursion would.

/**
 * The strongly connected components of the graph over nodes 0..count-1 that
 * are cycles (two or more members, or one with an edge to itself). Members are
 * in ascending node order, components in order of their smallest member, so
 * callers that number nodes by declaration report the first-declared first.
 */
export function cyclicComponents(count: number, successors: (v: number) => Iterable<number>): number[][] {
  const index = new Int32Array(count).fill(-1);
  const low = new Int32Array(count);
  const onStack = new Uint8Array(count);
  const stack: number[] = [];
  const found: number[][] = [];
  let counter = 0;
  // The explicit call stack: a node and where it is in its successors.
  const frames: { v: number; next: Iterator<number> }[] = [];
  const enter = (v: number): void => {
    index[v] = low[v] = counter++;
    stack.push(v);
    onStack[v] = 1;
    frames.push({ v, next: successors(v)[Symbol.iterator]() });
  };

  for (let root = 0; root < count; root++) {
    if (index[root] !== -1) continue;
    enter(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1];
      const step = frame.next.next();
      if (!step.done) {
        const w = step.value;
        if (index[w] === -1) enter(w);
        else if (onStack[w]) low[frame.v] = Math.min(low[frame.v], index[w]);
        continue;
      }
      frames.pop();
      const v = frame.v;
      // Returning from v: its parent's low takes v's, as after a recursive call.
      const parent = frames[frames.length - 1]?.v;
      if (parent !== undefined) low[parent] = Math.min(low[parent], low[v]);
      if (low[v] === index[v]) popComponent(v, stack, onStack, successors, found);
    }
  }
  return found.sort((a, b) => a[0] - b[0]);
}

/** Pops v's component off the Tarjan stack and keeps it when it is a cycle. */
function popComponent(v: number, stack: number[], onStack: Uint8Array, successors: (v: number) => Iterable<number>, found: number[][]): void {
  const component: number[] = [];
  let w: number;
  do {
    w = stack.pop()!;
    onStack[w] = 0;
    component.push(w);
  } while (w !== v);
  if (component.length > 1 || hasSelfLoop(v, successors)) found.push(component.sort((a, b) => a - b));
}

function hasSelfLoop(v: number, successors: (v: number) => Iterable<number>): boolean {
  for (const w of successors(v)) if (w === v) return true;
  return false;
}
