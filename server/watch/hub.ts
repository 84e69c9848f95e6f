// The open Watch streams (AgentService/Watch): every agent running as a daemon
// holds one, so the server can ask a node to run now (`ancla run`, a rollout
// step, a rollback) and the node starts within a second instead of at its next
// interval. One stream per certname: a newer one replaces the older, which is
// what an agent reconnecting after a network cut looks like before the server
// has noticed the old connection is dead.
//
// A stream is a small queue and an async generator the gRPC adapter pumps; one
// timer for the whole hub, running while any stream is open, sends heartbeats
// (the same event object to every stream), so a thousand open streams cost the
// server their connections and little else.
import { randomUUID } from "node:crypto";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { WatchEventSchema } from "../../proto/gen/ancla/v1/agent_pb.js";

export type WatchEventInit = MessageInitShape<typeof WatchEventSchema>;

/**
 * 30 s: far inside the idle timeouts of NAT gateways and load balancers (a
 * minute or more), so the connection under a quiet stream is not dropped by the
 * network, and often enough for the agent to find a dead stream within minutes.
 */
export const DEFAULT_HEARTBEAT_MS = 30_000;

/**
 * Events one stream may hold for a client that does not read them. Nudges are
 * rare and heartbeats slow, so a stream this far behind belongs to a stuck
 * client: it is ended, and a working agent reconnects.
 */
const MAX_QUEUED_EVENTS = 16;

export interface WatchHubOptions {
  /** How often every open stream gets a heartbeat (also its first event). */
  heartbeatMs?: number;
}

export interface NudgeOptions {
  /** This one run is a noop run. */
  noop?: boolean;
  /** Why, for the agents' logs. */
  reason: string;
  /** The request's id, for the agents' logs; a new one when absent. */
  requestId?: string;
}

export interface NudgeResult {
  requestId: string;
  /** Certnames whose stream took the RunNow, in the order asked. */
  sent: string[];
  /** Certnames without an open stream: they run at their next interval. */
  notConnected: string[];
}

/** One attached stream as the Watch handler sees it. */
export interface WatchAttachment {
  /** What to send, until the stream is replaced, detached or the hub closes. */
  events: AsyncIterable<WatchEventInit>;
  /** The client went away: forget the stream (a replacement stays). */
  detach(): void;
}

/** One open stream: events wait here until the gRPC adapter takes them. */
class WatchStream {
  private readonly queue: WatchEventInit[] = [];
  private wake: (() => void) | undefined;
  ended = false;

  /** False when the stream is ended (or ends now, being too far behind). */
  push(event: WatchEventInit): boolean {
    if (this.ended) return false;
    if (this.queue.length >= MAX_QUEUED_EVENTS) {
      this.end();
      return false;
    }
    this.queue.push(event);
    this.wake?.();
    return true;
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *events(): AsyncGenerator<WatchEventInit> {
    for (;;) {
      const next = this.queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

export class WatchHub {
  private readonly streams = new Map<string, WatchStream>();
  private readonly heartbeatMs: number;
  private readonly heartbeatEvent: WatchEventInit;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly connectListeners: ((certname: string) => void)[] = [];

  constructor(opts: WatchHubOptions = {}) {
    this.heartbeatMs = opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.heartbeatEvent = { event: { case: "heartbeat", value: { intervalSeconds: Math.max(1, Math.ceil(this.heartbeatMs / 1000)) } } };
  }

  /** A new stream for `certname`, replacing (ending) the one it had. After close(), a stream that ends at once. */
  attach(certname: string): WatchAttachment {
    const stream = new WatchStream();
    if (this.closed) {
      stream.end();
      return { events: stream.events(), detach: () => {} };
    }
    this.streams.get(certname)?.end();
    this.streams.set(certname, stream);
    this.startHeartbeats();
    // The first event says "you are connected" before any nudge comes.
    stream.push(this.heartbeatEvent);
    for (const listener of this.connectListeners) listener(certname);
    return { events: this.until(certname, stream), detach: () => this.forget(certname, stream) };
  }

  /** Told each node that opens a stream (after its first event is queued): a nudge it missed while away can be sent now. */
  onConnect(listener: (certname: string) => void): void {
    this.connectListeners.push(listener);
  }

  /** Asks each connected node among `certnames` to run now; says which were not connected. */
  nudge(certnames: string[], opts: NudgeOptions): NudgeResult {
    const requestId = opts.requestId ?? randomUUID();
    const event: WatchEventInit = { event: { case: "runNow", value: { noop: opts.noop ?? false, reason: opts.reason, requestId } } };
    const sent: string[] = [];
    const notConnected: string[] = [];
    for (const certname of new Set(certnames)) (this.streams.get(certname)?.push(event) ? sent : notConnected).push(certname);
    return { requestId, sent, notConnected };
  }

  isConnected(certname: string): boolean {
    return this.streams.get(certname)?.ended === false;
  }

  /** The certnames with an open stream, sorted. */
  connected(): string[] {
    return [...this.streams]
      .filter(([, s]) => !s.ended)
      .map(([certname]) => certname)
      .sort();
  }

  /**
   * Ends every stream and refuses new ones: a server stopping calls this before
   * grpc-js's shutdown, which otherwise waits its whole grace time for streams
   * that never end by themselves.
   */
  close(): void {
    this.closed = true;
    for (const stream of this.streams.values()) stream.end();
    this.streams.clear();
    this.stopHeartbeats();
  }

  private startHeartbeats(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.heartbeat(), this.heartbeatMs);
    // The hub must not keep a stopping server's process alive.
    this.timer.unref();
  }

  private stopHeartbeats(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private heartbeat(): void {
    for (const stream of this.streams.values()) stream.push(this.heartbeatEvent);
  }

  /** The stream's events; the hub forgets it once they end, whatever ended them. */
  private async *until(certname: string, stream: WatchStream): AsyncGenerator<WatchEventInit> {
    try {
      yield* stream.events();
    } finally {
      this.forget(certname, stream);
    }
  }

  private forget(certname: string, stream: WatchStream): void {
    stream.end();
    if (this.streams.get(certname) === stream) this.streams.delete(certname);
    if (this.streams.size === 0) this.stopHeartbeats();
  }
}
