// The agent port's TLS: this server terminates TLS itself and hands each
// finished connection to grpc-js (a connection injector), because grpc-js's
// own listener has no handshake timeout and no per-address bound, and it hides
// the peer certificate of a handshake that did not verify, so an expired or
// foreign certificate could only be told "bootstrap first". peer.ts verifies
// whatever certificate was presented.
import type { Socket } from "node:net";
import * as tls from "node:tls";
import { boundHandshakeTime, capConnectionsPerAddress, type ConnectionLimits } from "../net/connections.js";

export interface TlsListenerOptions {
  host: string;
  port: number;
  caCertPem: string;
  tlsCertPem: string;
  tlsKeyPem: string;
  limits: ConnectionLimits;
  /** Each connection whose handshake finished. */
  onConnection(socket: tls.TLSSocket): void;
}

export interface TlsListener {
  port: number;
  /** The DER certificate the peer `host:port` (grpc-js's call.getPeer()) presented, if it presented one. */
  peerCertificate(peer: string): Buffer | undefined;
  /** New connections get this certificate from now on (a renewal); open ones keep theirs. */
  setCertificate(certPem: string, keyPem: string): void;
  /** Stops accepting and cuts the connections still open. */
  close(): Promise<void>;
}

export async function listenTls(opts: TlsListenerOptions): Promise<TlsListener> {
  // Each open connection's peer certificate (DER), read once at its handshake: getPeerCertificate()
  // builds the whole parsed certificate with three fingerprints, too much for every call.
  const peers = new Map<string, Buffer | undefined>();
  const server = tls.createServer(
    {
      ca: opts.caCertPem,
      cert: opts.tlsCertPem,
      key: opts.tlsKeyPem,
      // Asked for, not required: the bootstrap service shares the port, and peer.ts gives precise refusals.
      requestCert: true,
      rejectUnauthorized: false,
      ALPNProtocols: ["h2"],
      handshakeTimeout: opts.limits.handshakeTimeoutMs,
    },
    (socket) => {
      const peer = `${socket.remoteAddress}:${socket.remotePort}`;
      const raw = socket.getPeerCertificate().raw;
      peers.set(peer, raw && raw.length > 0 ? raw : undefined);
      socket.once("close", () => peers.delete(peer));
      // A reset peer must not become an unhandled error event.
      socket.on("error", () => socket.destroy());
      opts.onConnection(socket);
    },
  );
  capConnectionsPerAddress(server, opts.limits.maxConnectionsPerAddress);
  boundHandshakeTime(server, opts.limits.handshakeTimeoutMs);
  // Every TCP connection, handshake finished or not, so close() cuts them all.
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as { port: number }).port,
    peerCertificate: (peer) => peers.get(peer),
    setCertificate: (certPem, keyPem) => server.setSecureContext({ ca: opts.caCertPem, cert: certPem, key: keyPem }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
