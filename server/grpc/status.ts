// Maps Ancla's error catalog (core/errors.ts, which names each code's gRPC
// status) onto grpc-js, so agents see a precise status and the same stable
// ANCLA_E_* code in the details. The server's own failures leave as a generic
// INTERNAL, and are logged with their cause and counted, so "see its log" is true.
import { status } from "@grpc/grpc-js";
import { AnclaError, errorCatalog, errorEntries, type AnclaErrorCode } from "../../core/errors.js";
import { RpcError, type ServiceHandlers } from "../../proto/grpc.js";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";

/** What the caller sees of a server failure: the catalog's line, no internals. */
const INTERNAL_LINE = `ANCLA_E_INTERNAL: ${errorCatalog.ANCLA_E_INTERNAL}`;

/** An INTERNAL answer that keeps the failure for the server's log. */
export class InternalRpcError extends RpcError {
  constructor(readonly reason: unknown) {
    super(status.INTERNAL, INTERNAL_LINE);
  }
}

/** An RpcError carrying the status for `err`; the server's own failures become INTERNAL without leaking internals. */
export function toRpcError(err: unknown): RpcError {
  if (err instanceof RpcError) return err;
  if (!(err instanceof AnclaError)) return new InternalRpcError(err);
  const code = status[errorEntries[err.code].grpc];
  return code === status.INTERNAL ? new InternalRpcError(err) : new RpcError(code, err.line);
}

export function rpcFail(code: AnclaErrorCode, detail: string): never {
  throw toRpcError(new AnclaError(code, detail));
}

/** Told of every INTERNAL answer, with the method ("AgentService/ReportRun") and the failure. */
export type InternalErrorSink = (rpc: string, reason: unknown) => void;

/**
 * `handlers` with every failure turned into a status and every INTERNAL one
 * reported to `sink`, unary and streaming alike (an error inside a stream
 * would otherwise leave with its raw message).
 */
export function reportingInternalErrors<S extends GenService<GenServiceMethods>>(service: S, handlers: ServiceHandlers<S>, sink: InternalErrorSink): ServiceHandlers<S> {
  const table = handlers as unknown as Record<string, (req: unknown, call: unknown) => unknown>;
  const wrapped: Record<string, (req: unknown, call: unknown) => unknown> = {};
  for (const method of service.methods) {
    const handler = table[method.localName];
    const rpc = `${service.name}/${method.name}`;
    const fail = (err: unknown): never => {
      const answer = toRpcError(err);
      if (answer instanceof InternalRpcError) sink(rpc, answer.reason);
      throw answer;
    };
    wrapped[method.localName] =
      method.methodKind === "server_streaming"
        ? (req, call) => guardedStream(() => handler(req, call) as AsyncIterable<unknown>, fail)
        : (req, call) =>
            Promise.resolve()
              .then(() => handler(req, call))
              .catch(fail);
  }
  return wrapped as unknown as ServiceHandlers<S>;
}

/** A refusal before the first item (a sync throw) still leaves as a status: the adapter calls this synchronously. */
function guardedStream(open: () => AsyncIterable<unknown>, fail: (err: unknown) => never): AsyncIterable<unknown> {
  let source: AsyncIterable<unknown>;
  try {
    source = open();
  } catch (err) {
    return fail(err);
  }
  return (async function* () {
    try {
      yield* source;
    } catch (err) {
      fail(err);
    }
  })();
}

/** The endpoint's sink: each INTERNAL answer is logged at error with its cause and counted in /metrics. */
export function logInternalErrors(logger: { error(obj: object, msg: string): void }, metrics: { internalError(api: "grpc", call: string): void }): InternalErrorSink {
  return (rpc, reason) => {
    logger.error({ err: reason, rpc }, "gRPC call failed");
    metrics.internalError("grpc", rpc);
  };
}
