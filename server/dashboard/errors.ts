// How errors leave the dashboard: an HTML page with the same status and the
// same message the API would give (one mapping, server/http/errors.ts), so a
// person sees what went wrong and a test can assert the status.
import type { FastifyReply, FastifyRequest } from "fastify";
import { toHttpError } from "../http/errors.js";
import { html } from "./html.js";
import { page } from "./layout.js";

export function renderError(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toHttpError(err);
  if (status >= 500) request.log.error({ err }, "dashboard request failed");
  sendError(reply, request, status, body.error.message);
}

export function sendError(reply: FastifyReply, request: FastifyRequest, status: number, message: string): void {
  const title = status === 404 ? "Not found" : status === 403 ? "Not allowed" : status >= 500 ? "Server error" : "Bad request";
  const body = html`<h1>${title}</h1><p class="error">${message}</p><p><a href="/">Back to the fleet</a></p>`;
  void reply
    .code(status)
    .type("text/html; charset=utf-8")
    .send(page({ title, section: "none", request, body }));
}
