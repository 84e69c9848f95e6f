// store.transaction: every part the body writes through `tx` commits together
// or not at all, and on SQLite's one connection a caller outside the
// transaction waits for it to end instead of joining it (and being rolled
// back with it).
import t from "tap";
import { setTimeout as sleep } from "node:timers/promises";
import type { AuditEntry } from "../../server/store/index.js";
import { tempStore } from "./_helpers.js";

const at = new Date("2026-03-01T00:00:00Z");
const entry = (target: string): AuditEntry => ({ at, actor: "test", action: "test.write", target, detail: {} });
const targets = async (store: ReturnType<typeof tempStore>["store"]): Promise<string[]> => (await store.audit.listAudit({ limit: 10 })).map((e) => e.target).sort();

t.test("a transaction's writes to several parts commit together", async (t) => {
  const { store } = tempStore(t);
  const value = await store.transaction(async (tx) => {
    await tx.nodes.recordCheckin("web-01", { os: "debian" }, at);
    await tx.audit.appendAudit(entry("web-01"));
    return "done";
  });
  t.equal(value, "done", "resolves with the body's value");
  t.equal((await store.nodes.getNode("web-01"))?.certname, "web-01");
  t.same(await targets(store), ["web-01"]);
});

t.test("a body that fails leaves nothing of what it wrote, in any part", async (t) => {
  const { store } = tempStore(t);
  await t.rejects(
    store.transaction(async (tx) => {
      await tx.nodes.recordCheckin("web-01", undefined, at);
      await tx.audit.appendAudit(entry("web-01"));
      throw new Error("changed my mind");
    }),
    /changed my mind/,
  );
  t.equal(await store.nodes.getNode("web-01"), undefined, "the check-in is rolled back");
  t.same(await targets(store), [], "the audit entry is rolled back");
});

t.test("a caller outside an open transaction waits for it and is not rolled back with it", async (t) => {
  const { store } = tempStore(t);
  const order: string[] = [];
  const failing = store.transaction(async (tx) => {
    await tx.audit.appendAudit(entry("inside"));
    // A real wait: the event loop runs, and the outside write below is issued meanwhile.
    await sleep(50);
    order.push("body ends");
    throw new Error("rolled back");
  });
  const outside = store.audit.appendAudit(entry("outside")).then(() => order.push("outside written"));
  await t.rejects(failing, /rolled back/);
  await outside;
  t.same(order, ["body ends", "outside written"], "the outside write waited for the transaction to end");
  t.same(await targets(store), ["outside"], "only the outside write is stored");
});

t.test("transactions run one after another", async (t) => {
  const { store } = tempStore(t);
  const order: string[] = [];
  const run = (name: string, ms: number) =>
    store.transaction(async (tx) => {
      order.push(`${name} begins`);
      await sleep(ms);
      await tx.audit.appendAudit(entry(name));
      order.push(`${name} ends`);
    });
  await Promise.all([run("first", 40), run("second", 0)]);
  t.same(order, ["first begins", "first ends", "second begins", "second ends"]);
  t.same(await targets(store), ["first", "second"]);
});
