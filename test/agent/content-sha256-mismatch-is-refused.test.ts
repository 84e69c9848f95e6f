import t from "tap";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { sha256Hex } from "../../catalog/canonical.js";
import { EventResult, ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { apply, catalogOf, contentStore, file } from "./_helpers.js";

t.test("content fetched by digest is written when it matches", async (t) => {
  const path = join(t.testdir({}), "f");
  const outcome = await apply(catalogOf([file(path, { content_sha256: sha256Hex("served\n") })]), { fetchContent: contentStore("served\n") });
  t.equal(outcome.status, ReportStatus.CHANGED);
  t.equal(await readFile(path, "utf8"), "served\n");
});

t.test("content whose digest does not match is refused and the file left alone", async (t) => {
  const root = t.testdir({ f: "original\n" });
  const want = sha256Hex("expected\n");
  const outcome = await apply(catalogOf([file(join(root, "f"), { content_sha256: want })]), {
    fetchContent: async () => new TextEncoder().encode("tampered\n"),
  });
  t.equal(outcome.status, ReportStatus.FAILED);
  t.match(outcome.events, [{ property: "content", result: EventResult.FAILED, message: `content fetched for sha256:${want} has sha256:${sha256Hex("tampered\n")}` }]);
  t.ok(outcome.logs.some((l) => l.code === "ANCLA_E_CONTENT_MISMATCH"));
  t.equal(await readFile(join(root, "f"), "utf8"), "original\n");
  t.same(await readdir(root), ["f"]);
});

t.test("noop does not fetch content: the digest is enough to compare", async (t) => {
  const path = join(t.testdir({ f: "x" }), "f");
  let fetched = 0;
  const outcome = await apply(catalogOf([file(path, { content_sha256: sha256Hex("y") })]), {
    noop: true,
    fetchContent: async () => {
      fetched++;
      return new TextEncoder().encode("y");
    },
  });
  t.equal(outcome.status, ReportStatus.NOOP);
  t.equal(fetched, 0);
});
