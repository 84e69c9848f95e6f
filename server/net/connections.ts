// Bounds on connections, shared by the agent port (gRPC) and the API port
// (HTTPS): in the attack run ~20,000 silent connections exhausted the
// server's file descriptors, so every connection must finish its TLS
// handshake quickly, is closed when it stays idle, and one remote address may
// hold only so many at once.
import type { Server, Socket } from "node:net";
import type { Server as TlsServer } from "node:tls";

export interface ConnectionLimits {
  /** Milliseconds from accept to a finished TLS handshake. */
  handshakeTimeoutMs: number;
  /** Milliseconds a connection may stay without a request in flight before the server closes it. */
  idleTimeoutMs: number;
  /** Open connections one remote address may hold on one port; more are closed on arrival. */
  maxConnectionsPerAddress: number;
}

/**
 * A real agent holds one channel and an operator's browser a handful, so 256
 * per address leaves room for a NAT in front of a site while 20,000 from one
 * address cannot happen; two minutes idle outlasts any pause inside a run.
 */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  handshakeTimeoutMs: 10_000,
  idleTimeoutMs: 120_000,
  maxConnectionsPerAddress: 256,
};

/** Closes each TCP connection that would take its remote address over `max` open ones on `server`. */
export function capConnectionsPerAddress(server: Server, max: number): void {
  const open = new Map<string, number>();
  server.prependListener("connection", (socket: Socket) => {
    const address = socket.remoteAddress ?? "unknown";
    const count = (open.get(address) ?? 0) + 1;
    if (count > max) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once("close", () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}

/**
 * Closes each connection whose TLS handshake has not finished `ms` after accept. Node's own
 * handshakeTimeout only starts with the client's first handshake bytes, so a connection that
 * says nothing at all would stay open forever.
 */
export function boundHandshakeTime(server: TlsServer, ms: number): void {
  const pending = new Map<string, NodeJS.Timeout>();
  const key = (socket: Socket) => `${socket.remoteAddress}:${socket.remotePort}`;
  server.on("connection", (socket: Socket) => {
    const timer = setTimeout(() => socket.destroy(), ms);
    pending.set(key(socket), timer);
    socket.once("close", () => {
      clearTimeout(timer);
      pending.delete(key(socket));
    });
  });
  server.on("secureConnection", (socket: Socket) => {
    clearTimeout(pending.get(key(socket)));
    pending.delete(key(socket));
  });
}
