// How errors leave the API: always JSON `{error: {code, message}}` with a status
// derived from the stable ANCLA_E_* code, so scripts branch on the code and
// humans read the message. Internals never leak: an unexpected error is logged
// and answered with a generic 500.
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { isAnclaError, type AnclaErrorCode } from "../../proto/errors.js";

export interface ErrorBody {
  error: { code: string; message: string };
}

const HTTP_STATUS: Partial<Record<AnclaErrorCode, number>> = {
  ANCLA_E_USAGE: 400,
  ANCLA_E_INVALID_ARGUMENT: 400,
  ANCLA_E_CSR_INVALID: 400,
  ANCLA_E_CERT_INVALID: 400,
  ANCLA_E_UNAUTHENTICATED: 401,
  ANCLA_E_TOKEN_INVALID: 403,
  ANCLA_E_PERMISSION_DENIED: 403,
  ANCLA_E_CERT_REVOKED: 403,
  ANCLA_E_NOT_FOUND: 404,
  ANCLA_E_CERT_UNKNOWN: 404,
  ANCLA_E_CERT_PENDING: 409,
  ANCLA_E_ARTIFACT_CONFLICT: 409,
};

/** The code gRPC uses for the same situation, so logs and clients see one vocabulary. */
const INTERNAL_CODE = "ANCLA_E_INTERNAL";

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

export function toHttpError(err: unknown): { status: number; body: ErrorBody } {
  if (isAnclaError(err)) return { status: HTTP_STATUS[err.code] ?? 500, body: errorBody(err.code, err.message) };
  const fst = err as Partial<FastifyError>;
  // Fastify's own request errors (unparsable JSON, schema validation, wrong media type) are the client's.
  if (typeof fst.statusCode === "number" && fst.statusCode >= 400 && fst.statusCode < 500) {
    const what = fst.validation ? `invalid request: ${validationMessage(fst)}` : `bad request: ${fst.message}`;
    return { status: fst.statusCode, body: errorBody("ANCLA_E_INVALID_ARGUMENT", what) };
  }
  return { status: 500, body: errorBody(INTERNAL_CODE, "the server failed to handle the request; see its log") };
}

/** Ajv says "must be equal to one of the allowed values"; a person needs to see them. */
function validationMessage(err: Partial<FastifyError>): string {
  const first = err.validation?.[0];
  const allowed = (first?.params as { allowedValues?: unknown[] } | undefined)?.allowedValues;
  if (first?.keyword !== "enum" || !allowed) return err.message ?? "";
  return `${err.validationContext ?? "request"}${first.instancePath} must be one of ${allowed.join(", ")}`;
}

export function handleError(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toHttpError(err);
  if (status >= 500) request.log.error({ err }, "request failed");
  void reply.code(status).send(body);
}

export function handleNotFound(request: FastifyRequest, reply: FastifyReply): void {
  void reply.code(404).send(errorBody("ANCLA_E_NOT_FOUND", `no route ${request.method} ${request.url.split("?")[0]}`));
}
