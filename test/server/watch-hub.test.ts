// The Watch hub on its own: one stream per certname (a new one ends the old),
// nudges reach connected nodes and name the others, heartbeats flow, and
// close() ends every stream so a stopping server does not wait for them.
import t from "tap";
import { WatchHub, type WatchEventInit } from "../../server/watch/hub.js";
import { eventually } from "./_helpers.js";

/** Reads a stream's events into an array as they come; `done` resolves when the stream ends. */
function reader(events: AsyncIterable<WatchEventInit>): { seen: WatchEventInit[]; done: Promise<void> } {
  const seen: WatchEventInit[] = [];
  const done = (async () => {
    for await (const event of events) seen.push(event);
  })();
  return { seen, done };
}

const kinds = (seen: WatchEventInit[]) => seen.map((e) => e.event?.case);
const runNows = (seen: WatchEventInit[]) => seen.flatMap((e) => (e.event?.case === "runNow" ? [e.event.value] : []));

t.test("a stream starts with a heartbeat and takes the nudges for its certname", async (t) => {
  const hub = new WatchHub();
  t.teardown(() => hub.close());
  const web = reader(hub.attach("web-01").events);
  t.ok(hub.isConnected("web-01"));
  const answer = hub.nudge(["web-01"], { noop: true, reason: "test", requestId: "req-1" });
  t.same(answer, { requestId: "req-1", sent: ["web-01"], notConnected: [] });
  await eventually("the RunNow arrives", () => runNows(web.seen).length === 1);
  t.same(kinds(web.seen), ["heartbeat", "runNow"], "heartbeat first: the agent knows it is connected");
  t.match(runNows(web.seen)[0], { noop: true, reason: "test", requestId: "req-1" });
});

t.test("a nudge names the nodes without a stream and makes up a request id when given none", async (t) => {
  const hub = new WatchHub();
  t.teardown(() => hub.close());
  reader(hub.attach("web-01").events);
  const answer = hub.nudge(["web-01", "db-01", "web-01", "never-seen"], { reason: "test" });
  t.same(answer.sent, ["web-01"], "each certname once");
  t.same(answer.notConnected, ["db-01", "never-seen"]);
  t.match(answer.requestId, /^[0-9a-f-]{36}$/);
  t.notOk(hub.isConnected("db-01"));
  t.same(hub.connected(), ["web-01"]);
});

t.test("a new stream for a certname ends the old one, and the old one's end leaves the new one", async (t) => {
  const hub = new WatchHub();
  t.teardown(() => hub.close());
  const first = hub.attach("web-01");
  const old = reader(first.events);
  const fresh = reader(hub.attach("web-01").events);
  await old.done;
  t.pass("the old stream ended");
  first.detach();
  t.ok(hub.isConnected("web-01"), "detaching the replaced stream leaves its replacement");
  hub.nudge(["web-01"], { reason: "after replacement" });
  await eventually("the new stream takes the nudge", () => runNows(fresh.seen).length === 1);
  t.equal(runNows(old.seen).length, 0, "the old stream got nothing");
});

t.test("a detached stream ends and its node is no longer connected", async (t) => {
  const hub = new WatchHub();
  t.teardown(() => hub.close());
  const stream = hub.attach("web-01");
  const r = reader(stream.events);
  stream.detach();
  await r.done;
  t.notOk(hub.isConnected("web-01"));
  t.same(hub.nudge(["web-01"], { reason: "gone" }).notConnected, ["web-01"]);
});

t.test("heartbeats come every heartbeatMs and say how often they come", async (t) => {
  const hub = new WatchHub({ heartbeatMs: 50 });
  t.teardown(() => hub.close());
  const r = reader(hub.attach("web-01").events);
  await eventually("three heartbeats", () => r.seen.length >= 3);
  t.same(new Set(kinds(r.seen)), new Set(["heartbeat"]));
  t.match(r.seen[0], { event: { value: { intervalSeconds: 1 } } });
});

t.test("a client that reads nothing is cut once too far behind", async (t) => {
  const hub = new WatchHub();
  t.teardown(() => hub.close());
  hub.attach("stuck-01");
  let sent = 0;
  while (hub.nudge(["stuck-01"], { reason: "flood" }).sent.length === 1) sent++;
  t.ok(sent > 0 && sent < 100, `cut after ${sent} unread events`);
  t.notOk(hub.isConnected("stuck-01"));
});

t.test("close() ends every stream and refuses new ones", async (t) => {
  const hub = new WatchHub();
  const readers = ["a-01", "b-01", "c-01"].map((c) => reader(hub.attach(c).events));
  hub.close();
  await Promise.all(readers.map((r) => r.done));
  t.pass("all ended");
  t.same(hub.connected(), []);
  const late = reader(hub.attach("late-01").events);
  await late.done;
  t.same(late.seen, [], "a stream after close ends at once, empty");
  t.notOk(hub.isConnected("late-01"));
});

t.test("connect listeners hear each stream that opens, and a nudge they send follows its heartbeat", async (t) => {
  const hub = new WatchHub();
  t.teardown(() => hub.close());
  const heard: string[] = [];
  hub.onConnect((certname) => {
    heard.push(certname);
    hub.nudge([certname], { reason: "missed while away" });
  });
  const web = reader(hub.attach("web-01").events);
  hub.attach("web-02");
  t.same(heard, ["web-01", "web-02"]);
  await eventually("the missed nudge arrives", () => runNows(web.seen).length === 1);
  t.same(kinds(web.seen), ["heartbeat", "runNow"]);
});
