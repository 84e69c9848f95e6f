import t from "tap";
import { imageType } from "../../../catalog/types/image.js";
import { normalised, problems } from "./_helpers.js";

const DIGEST = "0f".repeat(32);
const BASE = { path: "/opt/webapp/", content_sha256: DIGEST.toUpperCase() };

t.test("keep defaults to 2; the path is normalised and the digest lower case", async (t) => {
  t.same(normalised(t, imageType, "webapp", BASE), { path: "/opt/webapp", content_sha256: DIGEST, keep: 2 });
  t.same(normalised(t, imageType, "webapp", { ...BASE, artifact: "webapp@2.1.0", keep: 3 }), {
    path: "/opt/webapp",
    content_sha256: DIGEST,
    artifact: "webapp@2.1.0",
    keep: 3,
  });
});

t.test("a command health check gets a 30 second deadline unless given", async (t) => {
  const command = "curl -fsS http://127.0.0.1:8080/healthz";
  t.same(normalised(t, imageType, "webapp", { ...BASE, health: { command } }).health, { command, deadline: 30 });
  t.same(normalised(t, imageType, "webapp", { ...BASE, health: { command, deadline: "2m" } }).health, { command, deadline: 120 });
});

t.test("an http health check expects status 200 unless given", async (t) => {
  const url = "http://127.0.0.1:8080/healthz";
  t.same(normalised(t, imageType, "webapp", { ...BASE, health: { http: { url } } }).health, { http: { url, status: 200 }, deadline: 30 });
  t.same(normalised(t, imageType, "webapp", { ...BASE, health: { http: { url, status: 204, max_ms: 500 }, deadline: 10 } }).health, {
    http: { url, status: 204, max_ms: 500 },
    deadline: 10,
  });
});

t.test("path and content_sha256 are required", async (t) => {
  t.same(problems(imageType, "webapp", {}), ["path: image needs `path`", "content_sha256: image needs `content_sha256`"]);
});

t.test("wrong values", async (t) => {
  t.same(problems(imageType, "webapp", { path: "opt", content_sha256: "x", artifact: "webapp", keep: 0 }), [
    'path: `path` must be an absolute path, not "opt"',
    'content_sha256: `content_sha256` must be 64 hex digits (a SHA-256), not "x"',
    'artifact: `artifact` must be an artifact like "webapp@2.1.0", not "webapp"',
    "keep: `keep` must be an integer >= 1, not the number 0",
  ]);
});

t.test("health problems carry their full path and land on `health`", async (t) => {
  const cases: [unknown, string][] = [
    ["curl", 'health: `health` must be a map with command, http, deadline, not "curl"'],
    [{}, "health: `health` needs either `command` or `http`, not both or neither"],
    [{ command: "true", http: { url: "http://x/" } }, "health: `health` needs either `command` or `http`, not both or neither"],
    [{ command: "true", deadline: "0s" }, 'health: `health.deadline` must be a duration like "30s", "5m" or "1h30m", or whole seconds (at least 1), not "0s"'],
    [{ http: {} }, "health: `health.http` needs `health.http.url`"],
    [{ http: { url: "ftp://x/" } }, 'health: `health.http.url` must be an http:// or https:// URL like "http://127.0.0.1:8080/healthz", not "ftp://x/"'],
    [{ http: { url: "http://x/", status: 99, max_ms: 0 } }, "health: `health.http.status` must be an integer from 100 to 599, not the number 99"],
    [{ http: { url: "http://x/", status: "200" } }, 'health: `health.http.status` must be an integer from 100 to 599, not "200"'],
    [{ comand: "true" }, "health: `health` has no property `health.comand`; did you mean `command`? (it takes command, http, deadline)"],
  ];
  for (const [health, message] of cases) {
    t.same(problems(imageType, "webapp", { ...BASE, health: health as never })[0], message, message);
  }
  t.same(problems(imageType, "webapp", { ...BASE, health: { http: { url: "http://x/", status: 99, max_ms: 0 } } }).length, 2, "each nested problem is reported");
});

t.test("unknown properties and the title", async (t) => {
  t.match(problems(imageType, "webapp", { ...BASE, source: "files/webapp.tar" }), [/^source: image has no property `source` \(it takes path, content_sha256, artifact, keep, health\)$/]);
  t.same(problems(imageType, "", BASE), [': `title` must be a non-empty string, not ""']);
});
