// Small, pure formatting for the pages: times, digests, JSON values.
import { shortVersion } from "../releases/version.js";
import { CLOCK_SKEW_FLAG_SECONDS, isClockSkewed } from "../status.js";
import { html, type SafeHtml } from "./html.js";
import { pathOf } from "./urls.js";

/** A time as "3 min ago", with the exact UTC time on hover. */
export function when(d: Date | undefined, now: Date = new Date()): SafeHtml {
  if (!d) return html`<span class="muted">never</span>`;
  return html`<time datetime="${d.toISOString()}" title="${d.toISOString()}">${ago(now.getTime() - d.getTime())}</time>`;
}

function ago(ms: number): string {
  const s = Math.round(ms / 1000);
  // A time ahead of the server's (an agent's wrong clock) says so rather than "just now".
  if (s < -60) return `in ${span(-s)}`;
  if (s < 0) return "just now";
  return `${span(s)} ago`;
}

/** Whole seconds as the largest unit that fits: "42 s", "5 min", "3 h", "2 d". */
function span(s: number): string {
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}

/** A visible flag when an agent's clock is more than a minute off the server's (runs are ordered by the server's). */
export function clockSkewFlag(seconds: number | undefined): SafeHtml | false {
  if (seconds === undefined || !isClockSkewed(seconds)) return false;
  const how = `agent clock ${span(Math.abs(seconds))} ${seconds > 0 ? "ahead of" : "behind"} the server`;
  const why = `the agent's clock differs from the server's by more than ${CLOCK_SKEW_FLAG_SECONDS} s (or the report was delivered late from its queue); runs are ordered by when the server received them`;
  return html` <span class="badge s-clock-skew" title="${why}">${how}</span>`;
}

/** The first 12 hex digits, the whole digest on hover. */
export function shortDigest(digest: string | undefined): SafeHtml {
  if (!digest) return html`<span class="muted">—</span>`;
  return html`<code title="${digest}">${digest.slice(0, 12)}</code>`;
}

/** The longest version shown whole: a short release (`shortVersion`) of a git site, 12 + 1 + 12 characters. */
const VERSION_CHARS = 25;

/** A site version (a release) short as the CLI prints it, anything else cut to a readable length; whole on hover. */
export function version(v: string | undefined): SafeHtml {
  if (!v) return html`<span class="muted">—</span>`;
  const short = shortVersion(v);
  return html`<code title="${v}">${short.length > VERSION_CHARS ? `${short.slice(0, VERSION_CHARS)}…` : short}</code>`;
}

/** A release's version (as `version`) linking to its page; nothing to link when there is none. */
export function releaseLink(v: string | undefined): SafeHtml {
  return v ? html`<a href="${pathOf("releases", v)}">${version(v)}</a>` : version(v);
}

/** A byte count as "7.8 GiB" (binary units, as free and df -h print them). */
export function bytes(n: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let value = n;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${count(n)} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** A stored JSON value as short text: strings without their quotes, long values cut (the cell is not the place for a whole file). */
export function jsonText(value: unknown, max = 240): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max)}… (${count(text.length)} chars)` : text;
}

/** An event's desired/actual field (JSON-encoded by the agent, or "[redacted]") as text. */
export function eventValue(encoded: string): string {
  if (encoded === "") return "";
  try {
    return jsonText(JSON.parse(encoded));
  } catch {
    return jsonText(encoded);
  }
}

export function ms(n: number): string {
  return n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(n < 10_000 ? 2 : 1)} s`;
}
