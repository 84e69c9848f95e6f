// The repository root, whether this code runs from source (tests, via tap) or
// compiled under dist/ (npm scripts): the nearest folder with a package.json.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

function findRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
  }
  throw new Error(`no package.json above ${from}`);
}

export const ROOT = findRoot(import.meta.dirname);
