// Maps Ancla's error catalog onto gRPC status codes, so agents see a precise
// status and the same stable ANCLA_E_* code in the details.
import { status } from "@grpc/grpc-js";
import { AnclaError, type AnclaErrorCode } from "../../proto/errors.js";
import { RpcError } from "../../proto/grpc.js";

const statusByCode: Partial<Record<AnclaErrorCode, status>> = {
  ANCLA_E_INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  ANCLA_E_CSR_INVALID: status.INVALID_ARGUMENT,
  ANCLA_E_USAGE: status.INVALID_ARGUMENT,
  ANCLA_E_TOKEN_INVALID: status.PERMISSION_DENIED,
  ANCLA_E_PERMISSION_DENIED: status.PERMISSION_DENIED,
  ANCLA_E_CERT_REVOKED: status.PERMISSION_DENIED,
  ANCLA_E_UNAUTHENTICATED: status.UNAUTHENTICATED,
  ANCLA_E_CERT_INVALID: status.UNAUTHENTICATED,
  ANCLA_E_NOT_FOUND: status.NOT_FOUND,
  ANCLA_E_CERT_UNKNOWN: status.NOT_FOUND,
  ANCLA_E_COMPILE: status.FAILED_PRECONDITION,
};

/** An RpcError carrying the status for `err`; unknown errors become INTERNAL without leaking internals. */
export function toRpcError(err: unknown): RpcError {
  if (err instanceof RpcError) return err;
  if (err instanceof AnclaError) return new RpcError(statusByCode[err.code] ?? status.INTERNAL, err.line);
  return new RpcError(status.INTERNAL, "ANCLA_E_INTERNAL: the server failed to handle the request; see its log");
}

export function rpcFail(code: AnclaErrorCode, detail: string): never {
  throw toRpcError(new AnclaError(code, detail));
}
