// Links and query strings the pages write and read back.

/** A query string from the non-empty parameters (encoded; the template escapes the `&`s). */
export function queryString(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** A path segment for a link: certnames and run ids go through encodeURIComponent. */
export function pathOf(...segments: string[]): string {
  return "/" + segments.map(encodeURIComponent).join("/");
}

/** The page of one run: run ids are unique per node only, so the link names the node. */
export function reportPath(r: { runId: string; certname: string }): string {
  return `${pathOf("reports", r.runId)}${queryString({ node: r.certname })}`;
}

/** A 1-based page number from the query; anything else is page 1. */
export function pageNumber(raw: string | undefined): number {
  const n = Number(raw);
  // Past this, an offset in rows would not be an exact number for SQLite (a 500, found by the fuzz test): no list is that long.
  return Number.isInteger(n) && n >= 1 ? Math.min(n, MAX_PAGE) : 1;
}

const MAX_PAGE = 1_000_000;
