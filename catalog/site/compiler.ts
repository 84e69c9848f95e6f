// TEMPORARY: the full site-language compiler replaces this file (issue 3);
// until then it is the minimal compiler behind the same seam.
import type { SiteCompiler } from "../compiler.js";
import { createMinimalCompiler } from "../minimal/compiler.js";

export function createSiteCompiler(siteDir: string): SiteCompiler {
  return createMinimalCompiler(siteDir);
}
