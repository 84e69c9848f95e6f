// A unified diff (Event.diff, made by the agent) as lines coloured by kind.
import { html, type SafeHtml } from "./html.js";

function lineClass(line: string): string {
  if (line.startsWith("+++") || line.startsWith("---")) return "file";
  if (line.startsWith("@@")) return "hunk";
  if (line.startsWith("+")) return "add";
  if (line.startsWith("-")) return "del";
  return "ctx";
}

export function unifiedDiff(diff: string): SafeHtml {
  const lines = diff.endsWith("\n") ? diff.slice(0, -1).split("\n") : diff.split("\n");
  return html`<pre class="diff">${lines.map((l) => html`<span class="${lineClass(l)}">${l}</span>`)}</pre>`;
}
