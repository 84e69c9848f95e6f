// --version prints core/version.ts; packages are versioned from package.json.
// One release bump must change both, or the binaries would lie about themselves.
import t from "tap";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ANCLA_VERSION } from "../../core/version.js";
import { ROOT } from "../helpers/processes.js";

t.test("the binaries' version is package.json's", async (t) => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
  t.equal(ANCLA_VERSION, pkg.version);
});
