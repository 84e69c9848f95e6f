// How errors leave the API: always JSON `{error: {code, message}}` with the
// status of the stable ANCLA_E_* code's entry in core/errors.ts, so scripts
// branch on the code and humans read the message. Internals never leak: the server's own failure (an
// unexpected error, or a code that is no refusal) is logged and answered with a
// generic 500 ANCLA_E_INTERNAL.
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { errorCatalog, errorEntries, isAnclaError } from "../../core/errors.js";

export interface ErrorBody {
  error: { code: string; message: string };
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

export function toHttpError(err: unknown): { status: number; body: ErrorBody } {
  const status = isAnclaError(err) ? errorEntries[err.code].http : 500;
  if (isAnclaError(err) && status < 500) return { status, body: errorBody(err.code, err.message) };
  const fst = err as Partial<FastifyError>;
  // Fastify's own request errors (unparsable JSON, schema validation, wrong media type) are the client's.
  if (typeof fst.statusCode === "number" && fst.statusCode >= 400 && fst.statusCode < 500) {
    const what = fst.validation ? `invalid request: ${validationMessage(fst)}` : `bad request: ${fst.message}`;
    return { status: fst.statusCode, body: errorBody("ANCLA_E_INVALID_ARGUMENT", what) };
  }
  return { status: 500, body: errorBody("ANCLA_E_INTERNAL", errorCatalog.ANCLA_E_INTERNAL) };
}

/**
 * Ajv says "must be equal to one of the allowed values" and "must NOT have
 * additional properties"; a person needs to see the values, and the name of
 * the parameter or field that is not known.
 */
function validationMessage(err: Partial<FastifyError>): string {
  const first = err.validation?.[0];
  const params = first?.params as { allowedValues?: unknown[]; additionalProperty?: string } | undefined;
  const where = `${err.validationContext ?? "request"}${first?.instancePath ?? ""}`;
  if (first?.keyword === "enum" && params?.allowedValues) return `${where} must be one of ${params.allowedValues.join(", ")}`;
  if (first?.keyword === "additionalProperties" && params?.additionalProperty !== undefined) {
    return `${where}: unknown ${err.validationContext === "querystring" ? "parameter" : "field"} "${params.additionalProperty}"`;
  }
  return err.message ?? "";
}

export function handleError(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toHttpError(err);
  if (status >= 500) request.log.error({ err }, "request failed");
  void reply.code(status).send(body);
}

/** An onResponse hook counting the answers the server failed itself (API and dashboard), by route; the error handlers log them. */
export function countInternalErrors(metrics: { internalError(api: "http", call: string): void }): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (request, reply) => {
    if (reply.statusCode >= 500) metrics.internalError("http", `${request.method} ${request.routeOptions.url ?? "(no route)"}`);
  };
}

export function handleNotFound(request: FastifyRequest, reply: FastifyReply): void {
  void reply.code(404).send(errorBody("ANCLA_E_NOT_FOUND", `no route ${request.method} ${request.url.split("?")[0]}`));
}
