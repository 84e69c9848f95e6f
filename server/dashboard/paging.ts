// Sections of a page that can hold thousands of rows (a node's catalog and
// facts, a rollout's nodes) show one page of them, with links to the pages
// beside it that keep the other sections where they were.
import { html, type SafeHtml } from "./html.js";
import { pageNumber } from "./urls.js";

/** One page of a section: its items and the links to the pages beside it. */
export interface Paged<T> {
  items: T[];
  total: number;
  pager: SafeHtml;
}

/** Page `raw` (1-based, from the query) of `items`, `perPage` a page; `link(n)` is the URL of page n. */
export function pageOf<T>(items: T[], raw: string | undefined, perPage: number, link: (pageNo: number) => string): Paged<T> {
  const pages = Math.max(1, Math.ceil(items.length / perPage));
  const pageNo = Math.min(pageNumber(raw), pages);
  const pager =
    pages > 1
      ? html`<div class="pager">Page ${pageNo} of ${pages}
${pageNo > 1 && html`<a href="${link(pageNo - 1)}">← previous</a>`}
${pageNo < pages && html`<a href="${link(pageNo + 1)}">next →</a>`}</div>`
      : html``;
  return { items: items.slice((pageNo - 1) * perPage, pageNo * perPage), total: items.length, pager };
}
