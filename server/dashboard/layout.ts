// The page shell: head, the top bar (sections, who is logged in, log out) and
// the status badge every page shares.
import type { FastifyRequest } from "fastify";
import type { ApiTokenRecord } from "../store/store.js";
import { html, type HtmlValue, type SafeHtml } from "./html.js";
import { canOperate } from "./session.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Set by dashboardRoutes when this server runs rollouts: only then does the top bar link to them. */
    rolloutsShown?: boolean;
    /** Set by dashboardRoutes when this server keeps secrets: only then, and only for operators, does the top bar link to them. */
    secretsShown?: boolean;
  }
}

export type Section = "fleet" | "releases" | "rollouts" | "slos" | "certificates" | "secrets" | "audit" | "none";

export interface PageOptions {
  title: string;
  section: Section;
  /** The request the page answers: its logged-in token (none on the login page) and which sections this server has. */
  request?: FastifyRequest;
  body: HtmlValue;
}

export function page(o: PageOptions): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · Ancla</title>
<link rel="stylesheet" href="/assets/dashboard.css">
<script src="/assets/dashboard.js" defer></script>
</head>
<body>
<header class="top">
  <a class="brand" href="/">Ancla</a>
  ${o.request?.apiToken && topNav(o.section, o.request.apiToken, o.request.rolloutsShown === true, o.request.secretsShown === true)}
</header>
<main>
${o.body}
</main>
</body>
</html>
`.value;
}

function topNav(section: Section, caller: ApiTokenRecord, rollouts: boolean, secrets: boolean): SafeHtml {
  const link = (s: Section, href: string, label: string): SafeHtml => html`<a href="${href}" class="${s === section ? "here" : ""}">${label}</a>`;
  return html`<nav>${link("fleet", "/", "Fleet")}${link("releases", "/releases", "Releases")}${rollouts && link("rollouts", "/rollouts", "Rollouts")}${rollouts && link("slos", "/slos", "SLOs")}${link("certificates", "/certificates", "Certificates")}${secrets && canOperate(caller) && link("secrets", "/secrets", "Secrets")}${link("audit", "/audit", "Audit")}</nav>
  <div class="who"><span>${caller.name} (${caller.role})</span>
    <form class="inline" method="post" action="/logout"><button type="submit">Log out</button></form></div>`;
}

export function badge(status: string): SafeHtml {
  return html`<span class="badge s-${status}">${status}</span>`;
}
