// The operator's buttons: each a small form posting to the dashboard itself
// (no script needed; CSP allows form-action 'self'), asking first when what it
// does is not undone by a second click (dashboard.js reads data-confirm).
import { html, type SafeHtml } from "./html.js";

export interface PostButton {
  /** The dashboard path the form posts to. */
  action: string;
  label: string;
  /** The button's class: "primary", "danger" or none. */
  style?: string;
  /** The question asked before posting. */
  confirm?: string;
  /** Inputs sent with it (a ticket field). */
  fields?: SafeHtml;
}

export function postButton(b: PostButton): SafeHtml {
  return html`<form class="inline" method="post" action="${b.action}"${b.confirm ? html` data-confirm="${b.confirm}"` : ""}>
${b.fields}<button class="${b.style ?? ""}" type="submit">${b.label}</button></form>`;
}
