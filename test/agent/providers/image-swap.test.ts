// The image resource through the real engine: real tar.gz images of a tiny
// HTTP app, the app a real process restarted by a notified exec, a real
// health probe. Good updates commit, bad ones roll back and stay bad,
// downloads resume and corrupt ones are refused, old slots are pruned.
import t, { type Test } from "tap";
import { existsSync, readdirSync, readlinkSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { applyCatalog, type ApplyOutcome } from "../../../agent/engine/apply.js";
import { freePort } from "../../helpers/processes.js";
import { catalogOf } from "../_helpers.js";
import { EventResult, ReportStatus } from "../../../proto/gen/ancla/v1/agent_pb.js";
import { appCatalog, appSetup, buildImage, httpHealth, imageStream, served, servedSoon, stopApp, type AppSetup, type Image } from "./_image-app.js";

interface Bench {
  dir: string;
  state: string;
  app: AppSetup;
  v1: Image;
  v2: Image;
  bad: Image;
  streams: ReturnType<typeof imageStream>;
}

async function bench(t: Test): Promise<Bench> {
  const dir = t.testdir({});
  const app = await appSetup(dir, await freePort());
  t.teardown(() => stopApp(app));
  const [v1, v2, bad] = [await buildImage(dir, "1.0.0"), await buildImage(dir, "2.0.0"), await buildImage(dir, "bad-3.0.0")];
  return { dir, state: join(dir, "state"), app, v1, v2, bad, streams: imageStream(v1, v2, bad) };
}

function run(b: Bench, digest: string, opts: { noop?: boolean; deadline?: number; keep?: number } = {}): Promise<ApplyOutcome> {
  return applyCatalog(appCatalog(b.app, digest, httpHealth(b.app, opts.deadline ?? 5), opts.keep), {
    noop: opts.noop ?? false,
    memory: {},
    fetchContent: () => Promise.reject(new Error("images are streamed, never fetched whole")),
    streamContent: b.streams.stream,
    stateDir: b.state,
  });
}

const imageEvent = (o: ApplyOutcome) => o.events.find((e) => e.resource === "image:webapp");
const messages = (o: ApplyOutcome) => o.logs.map((l) => l.message).join("\n");
const current = (b: Bench) => readlinkSync(join(b.app.path, "current"));

t.test("a good update downloads, stages, switches, restarts the app, passes the health check and commits", async (t) => {
  const b = await bench(t);
  const first = await run(b, b.v1.digest);
  t.equal(first.status, ReportStatus.CHANGED, messages(first));
  t.equal(await served(b.app), "1.0.0", "the first image serves");

  const noop = await run(b, b.v2.digest, { noop: true });
  t.equal(noop.status, ReportStatus.NOOP);
  t.match(imageEvent(noop), { property: "content_sha256", result: EventResult.NOOP, desired: `"sha256:${b.v2.digest}"`, actual: `"sha256:${b.v1.digest}"` });
  t.equal(current(b), `slots/${b.v1.digest.slice(0, 12)}`, "noop switched nothing");
  t.notOk(existsSync(join(b.app.path, "slots", b.v2.digest.slice(0, 12))), "noop staged nothing");

  const update = await run(b, b.v2.digest);
  t.equal(update.status, ReportStatus.CHANGED, messages(update));
  t.match(imageEvent(update), { result: EventResult.CHANGED, message: /^committed: health check passed after \d+ attempt/ });
  t.ok(
    update.events.some((e) => e.resource === "exec:restart-webapp" && e.property === "refresh"),
    "the app was restarted through the notify edge",
  );
  t.equal(await served(b.app), "2.0.0", "the new image serves");
  t.equal(current(b), `slots/${b.v2.digest.slice(0, 12)}`);
  const log = messages(update);
  const order = ["downloading", "staged:", "activating:", "pending-commit:", "committed:"].map((state) => log.indexOf(`image:webapp: ${state}`));
  t.ok(
    order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1])),
    `every state in the log, in order:\n${log}`,
  );
  t.same(readdirSync(join(b.state, "image/downloads")), [], "the download is removed once unpacked");

  const again = await run(b, b.v2.digest);
  t.equal(again.status, ReportStatus.UNCHANGED, "the committed image is in sync");
  t.equal(again.events.length, 0, "no event, no restart");
});

t.test("a bad update fails its health check, is switched back, the old version serves again, and the digest is not retried", async (t) => {
  const b = await bench(t);
  t.equal((await run(b, b.v1.digest)).status, ReportStatus.CHANGED);

  const bad = await run(b, b.bad.digest, { deadline: 3 });
  t.equal(bad.status, ReportStatus.FAILED, "the run has failures (the agent exits 4)");
  t.match(imageEvent(bad), {
    result: EventResult.FAILED,
    property: "content_sha256",
    message: new RegExp(`^rolled-back to slots/${b.v1.digest.slice(0, 12)}: health check failed .*answered 500, expected 200`),
  });
  t.equal(bad.events.filter((e) => e.resource === "exec:restart-webapp" && e.property === "refresh").length, 2, "restarted onto the bad image, then again onto the old one");
  t.match(messages(bad), new RegExp(`image:webapp: rolling back to slots/${b.v1.digest.slice(0, 12)}: health check failed`));
  t.match(messages(bad), new RegExp(`image:webapp: rolled-back: sha256:${b.bad.digest} is marked bad`));
  t.equal(current(b), `slots/${b.v1.digest.slice(0, 12)}`);
  t.equal(await servedSoon(b.app, "1.0.0"), "1.0.0", "the old version serves again");

  const asked = b.streams.asked.length;
  const retry = await run(b, b.bad.digest);
  t.equal(retry.status, ReportStatus.FAILED);
  t.match(imageEvent(retry), { result: EventResult.FAILED, message: /is not tried again until the catalog names another digest/ });
  t.equal(b.streams.asked.length, asked, "nothing downloaded");
  t.notOk(
    retry.events.some((e) => e.resource === "exec:restart-webapp" && e.property === "refresh"),
    "nothing restarted",
  );
  t.equal(await served(b.app), "1.0.0");

  const next = await run(b, b.v2.digest);
  t.equal(next.status, ReportStatus.CHANGED, "another digest goes ahead");
  t.equal(await served(b.app), "2.0.0");
});

t.test("a corrupt download is refused and discarded; the next run downloads afresh", async (t) => {
  const b = await bench(t);
  t.equal((await run(b, b.v1.digest)).status, ReportStatus.CHANGED);
  const part = join(b.state, "image/downloads", `${b.v2.digest}.part`);
  // A partial file whose bytes are not the image's prefix: resuming after it cannot give the digest.
  await writeFile(part, Buffer.alloc(1000, 7));

  const corrupt = await run(b, b.v2.digest);
  t.equal(corrupt.status, ReportStatus.FAILED);
  t.match(imageEvent(corrupt), { result: EventResult.FAILED, message: new RegExp(`the image downloaded for sha256:${b.v2.digest} .* has sha256:\\w+; refused and discarded`) });
  t.notOk(existsSync(part), "the corrupt file is gone");
  t.equal(current(b), `slots/${b.v1.digest.slice(0, 12)}`, "nothing was switched");
  t.notOk(existsSync(join(b.app.path, "slots", b.v2.digest.slice(0, 12))), "nothing was unpacked");
  t.equal(await served(b.app), "1.0.0");

  t.equal((await run(b, b.v2.digest)).status, ReportStatus.CHANGED);
  t.same(b.streams.asked.at(-1), { digest: b.v2.digest, offset: 0 });
  t.equal(await served(b.app), "2.0.0");
});

t.test("an interrupted download resumes from the partial file's size", async (t) => {
  const b = await bench(t);
  const half = Math.floor(b.v1.bytes.length / 2);
  await mkdir(join(b.state, "image/downloads"), { recursive: true });
  await writeFile(join(b.state, "image/downloads", `${b.v1.digest}.part`), b.v1.bytes.subarray(0, half));

  const resumed = await run(b, b.v1.digest);
  t.equal(resumed.status, ReportStatus.CHANGED, messages(resumed));
  t.same(b.streams.asked, [{ digest: b.v1.digest, offset: half }], "the content was asked from the offset, once");
  t.match(messages(resumed), new RegExp(`downloading sha256:${b.v1.digest} \\(resuming at byte ${half}\\)`));
  t.equal(await served(b.app), "1.0.0");
});

t.test("keep: old slots are removed, never the current or the previous one", async (t) => {
  const b = await bench(t);
  const v3 = await buildImage(b.dir, "3.0.0");
  b.streams = imageStream(b.v1, b.v2, v3);
  for (const image of [b.v1, b.v2, v3]) t.equal((await run(b, image.digest, { keep: 1 })).status, ReportStatus.CHANGED);
  const slots = readdirSync(join(b.app.path, "slots")).sort();
  t.same(slots, [b.v2.digest.slice(0, 12), v3.digest.slice(0, 12)].sort(), "v1 removed; v3 (current) and v2 (previous) kept");
  t.equal(await served(b.app), "3.0.0");
  const record = JSON.parse(await readFile(join(b.state, "image", readdirSync(join(b.state, "image")).find((n) => n.endsWith(".json"))!), "utf8"));
  t.same(record.history, [b.v1.digest, b.v2.digest, v3.digest]);
  t.equal(record.committed, v3.digest);
});

t.test("a notified resource that still waits on something else is refreshed at its turn, once, not ahead of it", async (t) => {
  const dir = t.testdir({});
  const image = await buildImage(dir, "1.0.0");
  const marker = join(dir, "restarted");
  const outcome = await applyCatalog(
    catalogOf(
      [
        { type: "image", title: "webapp", properties: { path: join(dir, "srv"), content_sha256: image.digest } },
        { type: "file", title: join(dir, "app.conf"), properties: { content: "port=1\n" } },
        { type: "exec", title: "restart", properties: { command: `echo restarted >> ${marker}`, refreshonly: true } },
      ],
      [
        { from: "image:webapp", to: "exec:restart", kind: "notify" },
        { from: `file:${join(dir, "app.conf")}`, to: "exec:restart", kind: "require" },
      ],
    ),
    { noop: false, memory: {}, fetchContent: () => Promise.reject(new Error("streamed")), streamContent: imageStream(image).stream, stateDir: join(dir, "state") },
  );
  t.equal(outcome.status, ReportStatus.CHANGED, messages(outcome));
  t.match(messages(outcome), /exec:restart: not refreshed ahead of its turn for image:webapp \(it requires file:.*app\.conf, not applied yet\)/);
  t.equal(await readFile(marker, "utf8"), "restarted\n", "refreshed once, after the file it requires");
});
