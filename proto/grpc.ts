// The one adapter between protobuf-es service descriptors and grpc-js: it turns
// a generated `GenService` into a grpc-js ServiceDefinition (for servers) and a
// typed promise/async-iterator client, so no message ever gets a hand-written
// serializer.
import * as grpc from "@grpc/grpc-js";
import { create, fromBinary, toBinary, type DescMessage, type DescMethod, type DescService, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";

type Methods<S> = S extends GenService<infer M> ? M : never;
type In<M> = M extends { input: infer I extends DescMessage } ? I : never;
type Out<M> = M extends { output: infer O extends DescMessage } ? O : never;

/** What a server implements for each method of a service. */
export type ServiceHandlers<S extends GenService<GenServiceMethods>> = {
  [K in keyof Methods<S>]: Methods<S>[K] extends { methodKind: "unary" }
    ? (req: MessageShape<In<Methods<S>[K]>>, call: grpc.ServerUnaryCall<unknown, unknown>) => Promise<MessageInitShape<Out<Methods<S>[K]>>>
    : Methods<S>[K] extends { methodKind: "server_streaming" }
      ? (req: MessageShape<In<Methods<S>[K]>>, call: grpc.ServerWritableStream<unknown, unknown>) => AsyncIterable<MessageInitShape<Out<Methods<S>[K]>>>
      : never;
};

/** A typed client: unary methods return promises, server streams async iterables. */
export type ServiceClient<S extends GenService<GenServiceMethods>> = {
  [K in keyof Methods<S>]: Methods<S>[K] extends { methodKind: "unary" }
    ? (req: MessageInitShape<In<Methods<S>[K]>>, options?: CallOptions) => Promise<MessageShape<Out<Methods<S>[K]>>>
    : Methods<S>[K] extends { methodKind: "server_streaming" }
      ? (req: MessageInitShape<In<Methods<S>[K]>>, options?: CallOptions) => AsyncIterable<MessageShape<Out<Methods<S>[K]>>>
      : never;
} & { close(): void; raw: grpc.Client };

export interface CallOptions {
  /** Milliseconds until the call is cancelled with DEADLINE_EXCEEDED. */
  timeoutMs?: number;
}

/** Throw this from a handler to answer with a specific gRPC status. */
export class RpcError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
    this.name = "RpcError";
  }
}

function methodPath(service: DescService, method: DescMethod): string {
  return `/${service.typeName}/${method.name}`;
}

function serializer(desc: DescMessage): (value: unknown) => Buffer {
  return (value) => Buffer.from(toBinary(desc, create(desc, value as MessageInitShape<DescMessage>)));
}

/**
 * Decoding a malformed request throws inside grpc-js, which answers INTERNAL;
 * we want INVALID_ARGUMENT, so decoding failures are deferred to the handler
 * wrapper through this marker value.
 */
const undecodable = Symbol("undecodable");
type Decoded<T> = T | { [undecodable]: string };

function deserializer(desc: DescMessage): (bytes: Buffer) => Decoded<MessageShape<DescMessage>> {
  return (bytes) => {
    try {
      return fromBinary(desc, bytes);
    } catch (err) {
      return { [undecodable]: (err as Error).message };
    }
  };
}

function isUndecodable(value: unknown): value is { [undecodable]: string } {
  return typeof value === "object" && value !== null && undecodable in value;
}

function toServiceError(err: unknown): Partial<grpc.ServiceError> {
  if (err instanceof RpcError) return { code: err.code, details: err.message, message: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return { code: grpc.status.INTERNAL, details: message, message };
}

/** The grpc-js ServiceDefinition for a protobuf-es service descriptor. */
export function serviceDefinition(service: DescService): grpc.ServiceDefinition {
  const def: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    def[method.localName] = {
      path: methodPath(service, method),
      requestStream: method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
      responseStream: method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
      requestSerialize: serializer(method.input),
      requestDeserialize: deserializer(method.input),
      responseSerialize: serializer(method.output),
      responseDeserialize: (bytes: Buffer) => fromBinary(method.output, bytes),
    };
  }
  return def;
}

/** Wraps typed async handlers into grpc-js call handlers and adds them to `server`. */
export function addService<S extends GenService<GenServiceMethods>>(server: grpc.Server, service: S, handlers: ServiceHandlers<S>): void {
  const impl: grpc.UntypedServiceImplementation = {};
  const table = handlers as unknown as Record<string, (req: unknown, call: unknown) => unknown>;
  for (const method of (service as unknown as DescService).methods) {
    const handler = table[method.localName];
    if (!handler) throw new Error(`no handler for ${method.name}`);
    if (method.methodKind === "unary") {
      impl[method.localName] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        if (isUndecodable(call.request)) {
          callback({ code: grpc.status.INVALID_ARGUMENT, details: `malformed ${method.input.typeName}: ${call.request[undecodable]}` });
          return;
        }
        (handler(call.request, call) as Promise<unknown>).then(
          (res) => callback(null, res),
          (err: unknown) => callback(toServiceError(err)),
        );
      };
    } else if (method.methodKind === "server_streaming") {
      impl[method.localName] = (call: grpc.ServerWritableStream<unknown, unknown>) => {
        if (isUndecodable(call.request)) {
          failStream(call, new RpcError(grpc.status.INVALID_ARGUMENT, `malformed ${method.input.typeName}: ${call.request[undecodable]}`));
          return;
        }
        let source: AsyncIterable<unknown>;
        try {
          source = handler(call.request, call) as AsyncIterable<unknown>;
        } catch (err) {
          failStream(call, err);
          return;
        }
        void pump(source, call);
      };
    } else {
      throw new Error(`${method.name}: ${method.methodKind} methods are not supported by this adapter`);
    }
  }
  server.addService(serviceDefinition(service as unknown as DescService), impl);
}

async function pump(source: AsyncIterable<unknown>, call: grpc.ServerWritableStream<unknown, unknown>): Promise<void> {
  try {
    for await (const item of source) {
      if (call.cancelled) return;
      if (!call.write(item)) await new Promise((resolve) => call.once("drain", resolve));
    }
    call.end();
  } catch (err) {
    failStream(call, err);
  }
}

/** grpc-js turns an 'error' event on a server stream into the call's final status. */
function failStream(call: grpc.ServerWritableStream<unknown, unknown>, err: unknown): void {
  const status = toServiceError(err);
  call.emit("error", Object.assign(new Error(status.details), status));
}

function deadline(options?: CallOptions): grpc.CallOptions {
  return options?.timeoutMs ? { deadline: Date.now() + options.timeoutMs } : {};
}

/** A typed client for `service` at `address` (host:port). */
export function makeClient<S extends GenService<GenServiceMethods>>(service: S, address: string, credentials: grpc.ChannelCredentials, channelOptions: grpc.ChannelOptions = {}): ServiceClient<S> {
  const desc = service as unknown as DescService;
  const Ctor = grpc.makeGenericClientConstructor(serviceDefinition(desc), desc.name);
  const raw = new Ctor(address, credentials, channelOptions);
  const client: Record<string, unknown> = { raw, close: () => raw.close() };
  for (const method of desc.methods) {
    const path = methodPath(desc, method);
    const ser = serializer(method.input);
    const de = (bytes: Buffer) => fromBinary(method.output, bytes);
    if (method.methodKind === "unary") {
      client[method.localName] = (req: unknown, options?: CallOptions) =>
        new Promise((resolve, reject) => {
          raw.makeUnaryRequest(path, ser, de, req, new grpc.Metadata(), deadline(options), (err, res) => (err ? reject(err) : resolve(res)));
        });
    } else if (method.methodKind === "server_streaming") {
      client[method.localName] = (req: unknown, options?: CallOptions) => raw.makeServerStreamRequest(path, ser, de, req, new grpc.Metadata(), deadline(options));
    }
  }
  return client as ServiceClient<S>;
}
