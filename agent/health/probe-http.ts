// An http probe: one request (a fresh connection, no keep-alive, so every
// attempt measures what a new client meets), judged by its status and, when
// the probe gives one, a regular expression on the body. The timeout covers
// the whole request: connect, headers and body.
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Probe } from "../../catalog/model.js";
import { refusal, since, timedOut, type Attempt } from "./outcome.js";

/** A body is matched on its first 64 KiB: a health endpoint that says more is not read to the end. */
export const MAX_BODY_BYTES = 64 * 1024;

export function httpAttempt(spec: NonNullable<Probe["http"]>, timeoutSeconds: number): Promise<Attempt> {
  const start = performance.now();
  return new Promise<Attempt>((resolve) => {
    let settled = false;
    const done = (attempt: Attempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(attempt);
    };
    let url: URL;
    try {
      url = new URL(spec.url);
    } catch {
      // Never sent: the compiler checks URLs, so a hand-written catalog is the only way here.
      resolve({ outcome: "refused", latencyMs: 0, detail: `${spec.url} is not a URL` });
      return;
    }
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(url, { method: "GET", agent: false, headers: { "user-agent": "ancla-agent probe", connection: "close" } }, (res) => {
      void judge(res, spec).then(
        (a) => done({ ...a, latencyMs: since(start) }),
        (err: unknown) => done(refusal(err, since(start))),
      );
    });
    const timer = setTimeout(() => done(timedOut(timeoutSeconds)), timeoutSeconds * 1000);
    req.on("error", (err) => done(refusal(err, since(start))));
    req.end();
  });
}

async function judge(res: IncomingMessage, spec: NonNullable<Probe["http"]>): Promise<Omit<Attempt, "latencyMs">> {
  const body = await readBody(res, spec.body !== undefined);
  if (res.statusCode !== spec.status) return { outcome: "status", detail: `status ${res.statusCode}, expected ${spec.status}` };
  if (spec.body === undefined) return { outcome: "ok" };
  let pattern: RegExp;
  try {
    pattern = new RegExp(spec.body);
  } catch {
    return { outcome: "body", detail: `body pattern ${JSON.stringify(spec.body)} is not a regular expression` };
  }
  return pattern.test(body) ? { outcome: "ok" } : { outcome: "body", detail: `body does not match /${spec.body}/` };
}

/** The body as text (up to MAX_BODY_BYTES) when it is to be matched; otherwise read and dropped, so the answer is whole. */
function readBody(res: IncomingMessage, keep: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    res.on("data", (chunk: Buffer) => {
      if (!keep) return;
      parts.push(chunk);
      size += chunk.length;
      if (size >= MAX_BODY_BYTES) {
        res.destroy();
        resolve(Buffer.concat(parts).subarray(0, MAX_BODY_BYTES).toString("utf8"));
      }
    });
    res.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    res.on("error", reject);
    res.on("aborted", () => reject(Object.assign(new Error("the answer was cut off"), { code: "ECONNRESET" })));
  });
}
