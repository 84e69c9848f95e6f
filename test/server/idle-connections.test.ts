// Silent connections cannot exhaust the server (issue 11 item 4): hundreds of
// idle connections on each port, before or after their TLS handshake, do not
// keep an agent's check-in or an API call out, and the server closes them
// after its (here shortened) handshake and idle timeouts; one address past
// its connection cap is cut on arrival while another address gets through.
import t, { type Test } from "tap";
import { connect as tcpConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { eventually } from "./_helpers.js";
import { debianFacts, startRealServer, type RealServer } from "./_server.js";

const ATTACKER = "127.0.0.2";
const COUNT = 300;

interface Port {
  name: string;
  host: string;
  port: number;
}

function ports(server: RealServer): Port[] {
  const api = new URL(server.url);
  return [
    { name: "gRPC", host: "127.0.0.1", port: Number(server.grpc.split(":").pop()) },
    { name: "API", host: api.hostname, port: Number(api.port) },
  ];
}

interface Crowd {
  /** Connections the server has closed so far. */
  closed(): number;
}

/** `count` connections from `localAddress` that say nothing; with `tls`, each finishes its handshake first. */
async function idleCrowd(t: Test, to: Port, count: number, opts: { tls?: boolean; ca?: string } = {}): Promise<Crowd> {
  const sockets: Socket[] = [];
  let closed = 0;
  await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<void>((resolve) => {
          const tcp = tcpConnect({ host: to.host, port: to.port, localAddress: ATTACKER }, opts.tls ? undefined : resolve);
          const socket = opts.tls ? tlsConnect({ socket: tcp, ca: opts.ca, servername: "localhost", ALPNProtocols: to.name === "gRPC" ? ["h2"] : ["http/1.1"] }, resolve) : tcp;
          // Read (and drop) what the server sends, or its close would wait unseen behind unread bytes.
          socket.resume();
          socket.on("error", () => resolve());
          socket.on("close", () => {
            closed++;
            resolve();
          });
          sockets.push(socket);
        }),
    ),
  );
  t.teardown(() => {
    for (const s of sockets) s.destroy();
  });
  return { closed: () => closed };
}

async function stillServes(t: Test, server: RealServer, certname: string): Promise<void> {
  const [agent] = await server.agents([certname]);
  t.equal((await agent.client.getCatalog({ facts: debianFacts(), haveDigest: "" })).result.case, "catalog", "an agent checks in");
  t.equal((await server.api("GET", "/api/v1/nodes")).status, 200, "the API answers");
  agent.close();
}

const shortTimeouts = { handshakeTimeoutMs: 1_000, idleTimeoutMs: 1_500, maxConnectionsPerAddress: 1_000 };

t.test("connections that never finish a TLS handshake keep nobody out and are closed after the handshake timeout", async (t) => {
  const server = await startRealServer(t, { limits: shortTimeouts });
  const crowds = await Promise.all(ports(server).map((p) => idleCrowd(t, p, COUNT)));
  t.equal(crowds[0].closed() + crowds[1].closed(), 0, `${COUNT} silent TCP connections open on each port`);
  await stillServes(t, server, "during-raw-01");
  for (const [i, p] of ports(server).entries())
    await eventually(
      () => `${p.name} closes the silent ones (${crowds[i].closed()} closed)`,
      () => crowds[i].closed() === COUNT,
    );
  t.pass("all closed by the server");
});

t.test("connections idle after their handshake keep nobody out and are closed after the idle timeout", async (t) => {
  const server = await startRealServer(t, { limits: shortTimeouts });
  const crowds = await Promise.all(ports(server).map((p) => idleCrowd(t, p, COUNT, { tls: true, ca: server.ca.certPem })));
  await stillServes(t, server, "during-tls-01");
  for (const [i, p] of ports(server).entries())
    await eventually(
      () => `${p.name} closes the idle ones (${crowds[i].closed()} closed)`,
      () => crowds[i].closed() === COUNT,
    );
  t.pass("all closed by the server");
});

t.test("an address past its connection cap is cut on arrival; another address still gets through", async (t) => {
  const cap = 100;
  const server = await startRealServer(t, { limits: { maxConnectionsPerAddress: cap } });
  for (const p of ports(server)) {
    const crowd = await idleCrowd(t, p, COUNT);
    await eventually(
      () => `${p.name} cuts what is over the cap (${crowd.closed()} closed)`,
      () => crowd.closed() >= COUNT - cap,
    );
    t.equal(crowd.closed(), COUNT - cap, `${p.name}: ${cap} kept, ${COUNT - cap} cut`);
  }
  await stillServes(t, server, "other-address-01");
});
