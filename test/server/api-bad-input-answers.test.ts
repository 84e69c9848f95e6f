// The attack run's bad API input, each answered with a 4xx that says what is
// wrong and nothing kept (issue 11 item 11): a paging offset past 2^53 (was a
// 500 from SQLite), an artifact pushed as JSON (was a 500), an artifact over
// the configured maximum (was accepted whatever its size).
import t, { type Test } from "tap";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { dataDirPaths } from "../../server/datadir.js";
import { startRealServer, type RealServer } from "./_server.js";

const MAX = 64 * 1024;

interface Answer {
  status: number;
  body: { error?: { code: string; message: string } };
}

/** A PUT with the body written in chunks, so the server sees a stream, not one buffer. */
function put(server: RealServer, path: string, body: Buffer, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      new URL(path, server.url),
      { method: "PUT", ca: server.ca.certPem, servername: "localhost", headers: { authorization: `Bearer ${server.adminToken}`, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString() || "{}") as Answer["body"] }));
      },
    );
    // The server may answer (413) and close before the whole body is written.
    req.on("error", reject);
    for (let at = 0; at < body.length; at += 16 * 1024) req.write(body.subarray(at, at + 16 * 1024));
    req.end();
  });
}

function nothingKept(t: Test, server: RealServer): void {
  const dir = dataDirPaths(server.dataDir).artifacts;
  t.same(existsSync(join(dir, "tmp")) ? readdirSync(join(dir, "tmp")) : [], [], "no temp file left");
  t.same(existsSync(dir) ? readdirSync(dir).filter((n) => n !== "tmp") : [], [], "no bytes stored");
}

t.test("a paging offset past 2^53 - 1 is a 400 naming the parameter and its maximum", async (t) => {
  const server = await startRealServer(t);
  for (const path of ["/api/v1/nodes?offset=99999999999999999999", "/api/v1/reports/r-1/events?offset=9007199254740992", "/api/v1/audit?before=99999999999999999999"]) {
    const res = await server.api("GET", path);
    t.equal(res.status, 400, path);
    const { error } = res.body as Required<Answer["body"]>;
    t.equal(error.code, "ANCLA_E_INVALID_ARGUMENT");
    t.match(error.message, /(offset|before) must be <= 9007199254740991/, `says which and the maximum: ${error.message}`);
  }
  t.equal((await server.api("GET", "/api/v1/nodes?offset=9007199254740991")).status, 200, "the maximum itself is a valid (empty) page");
});

t.test("an artifact pushed with another media type is a 415 and nothing is kept", async (t) => {
  const server = await startRealServer(t, { limits: { maxArtifactBytes: MAX } });
  const res = await put(server, "/api/v1/artifacts/webapp/1.0.0", Buffer.from('{"not":"a tar"}'), { "content-type": "application/json" });
  t.equal(res.status, 415);
  t.match(res.body.error?.message, /application\/octet-stream, not application\/json/, String(res.body.error?.message));
  nothingKept(t, server);
  const listed = await server.api("GET", "/api/v1/artifacts");
  t.same(listed.body, { artifacts: [] });
});

t.test("an artifact over max_artifact_bytes is a 413, streamed or declared, and nothing is kept", async (t) => {
  const server = await startRealServer(t, { limits: { maxArtifactBytes: MAX } });
  const octets = { "content-type": "application/octet-stream" };

  const chunked = await put(server, "/api/v1/artifacts/webapp/1.0.0", randomBytes(MAX * 4), octets);
  t.equal(chunked.status, 413, "a chunked body is cut at the limit");
  t.equal(chunked.body.error?.code, "ANCLA_E_TOO_LARGE");
  t.match(chunked.body.error?.message, new RegExp(`limit of ${MAX} bytes.*max_artifact_bytes.*nothing was kept`), String(chunked.body.error?.message));
  nothingKept(t, server);

  const declared = await put(server, "/api/v1/artifacts/webapp/1.0.0", randomBytes(MAX + 1), { ...octets, "content-length": String(MAX + 1) });
  t.equal(declared.status, 413, "a declared length over the limit is refused before the body is read");
  t.match(declared.body.error?.message, `content-length ${MAX + 1}`);
  nothingKept(t, server);

  const fits = await put(server, "/api/v1/artifacts/webapp/1.0.0", randomBytes(MAX), octets);
  t.equal(fits.status, 201, "exactly the limit is accepted");
  t.equal((await server.api("GET", "/api/v1/nodes")).status, 200, "the API still answers");
});
