// Fixtures for the image tests: real tar.gz images of a tiny HTTP app (a node
// script serving its version on a loopback port, /health answering 500 in a
// "bad" build), a restart script an `exec` runs on refresh (kills the running
// app, starts path/current/app.mjs in the background), and catalogs wiring the
// two with a notify edge.
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { c as createTar } from "tar";
import { sha256Hex } from "../../../catalog/canonical.js";
import type { Catalog, Resource } from "../../../catalog/model.js";
import { catalogOf } from "../_helpers.js";

export interface Image {
  file: string;
  bytes: Uint8Array;
  digest: string;
}

const APP = `import http from "node:http";
import { readFileSync } from "node:fs";
const version = readFileSync(new URL("VERSION", import.meta.url), "utf8").trim();
const healthy = !version.startsWith("bad");
http.createServer((req, res) => {
  res.writeHead(req.url === "/health" && !healthy ? 500 : 200, { "content-type": "text/plain" });
  res.end(version);
}).listen(Number(process.env.PORT), "127.0.0.1");
process.on("SIGTERM", () => process.exit(0));
`;

/** A tar.gz of app.mjs and VERSION (a version starting with "bad" fails its health check). */
export async function buildImage(dir: string, version: string): Promise<Image> {
  const src = join(dir, `src-${version}`);
  await mkdir(join(src, "public"), { recursive: true });
  await writeFile(join(src, "app.mjs"), APP);
  await writeFile(join(src, "VERSION"), `${version}\n`);
  await writeFile(join(src, "public", "index.html"), `<p>${version}</p>\n`);
  const file = join(dir, `app-${version}.tar.gz`);
  await createTar({ gzip: true, cwd: src, file, portable: true }, ["app.mjs", "VERSION", "public"]);
  const bytes = new Uint8Array(await readFile(file));
  return { file, bytes, digest: sha256Hex(bytes) };
}

const RESTART = `#!/bin/sh
# restart.sh PIDFILE APP PORT: stop the running app, start APP (if there is one) in the background.
if [ -f "$1" ]; then
  pid=$(cat "$1")
  kill "$pid" 2>/dev/null
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  rm -f "$1"
fi
[ -e "$2" ] || exit 0
PORT=$3 nohup "${process.execPath}" "$2" </dev/null >/dev/null 2>&1 &
echo $! > "$1"
`;

export interface AppSetup {
  /** The image's path: slots and `current` live here. */
  path: string;
  port: number;
  pidFile: string;
  restartScript: string;
}

export async function appSetup(dir: string, port: number): Promise<AppSetup> {
  const restartScript = join(dir, "restart.sh");
  await writeFile(restartScript, RESTART, { mode: 0o755 });
  return { path: join(dir, "srv/webapp"), port, pidFile: join(dir, "app.pid"), restartScript };
}

/** The image and the exec that restarts the app when notified. */
export function appResources(app: AppSetup, digest: string, health: Resource["properties"] | undefined, keep = 2): Resource[] {
  const image: Resource = { type: "image", title: "webapp", properties: { path: app.path, content_sha256: digest, keep } };
  if (health) image.properties.health = health;
  const restart: Resource = {
    type: "exec",
    title: "restart-webapp",
    properties: { command: `${app.restartScript} ${app.pidFile} ${join(app.path, "current/app.mjs")} ${app.port}`, refreshonly: true, timeout: 30 },
  };
  return [image, restart];
}

export function appCatalog(app: AppSetup, digest: string, health?: Resource["properties"], keep = 2): Catalog {
  return catalogOf(appResources(app, digest, health, keep), [{ from: "image:webapp", to: "exec:restart-webapp", kind: "notify" }]);
}

export function httpHealth(app: AppSetup, deadline = 5): Resource["properties"] {
  return { http: { url: `http://127.0.0.1:${app.port}/health`, status: 200, max_ms: 5000 }, deadline };
}

/** What the app answers on /, or the error. */
export async function served(app: AppSetup): Promise<string> {
  try {
    return (await (await fetch(`http://127.0.0.1:${app.port}/`)).text()).trim();
  } catch (err) {
    return `unreachable: ${(err as Error).message}`;
  }
}

/**
 * What the app answers once it answers `want`, or its last answer after
 * `ms`: a restart without a health check after it (a rollback's) returns
 * before the new process listens.
 */
export async function servedSoon(app: AppSetup, want: string, ms = 15_000): Promise<string> {
  const until = Date.now() + ms;
  for (;;) {
    const got = await served(app);
    if (got === want || Date.now() > until) return got;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Kills every app process a test started (the test's teardown). Found by the
 * image path in its command line, not by the pid file: tap removes the test
 * dir, pid file included, before teardowns run, and an app restarted by a
 * rollback has another pid than the one first written.
 */
export async function stopApp(app: AppSetup): Promise<void> {
  for (const pid of await processesRunning(app.path)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/** Pids whose command line names a file under `dir`. */
async function processesRunning(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (cmdline.split("\0").some((arg) => arg.startsWith(`${dir}/`))) pids.push(Number(entry));
  }
  return pids;
}

/** A content stream over images held in memory, recording every (digest, offset) asked for. */
export function imageStream(...images: Image[]): { stream: (sha256: string, offset: number) => AsyncIterable<Uint8Array>; asked: { digest: string; offset: number }[] } {
  const asked: { digest: string; offset: number }[] = [];
  const byDigest = new Map(images.map((i) => [i.digest, i.bytes]));
  return {
    asked,
    stream: async function* (sha256, offset) {
      asked.push({ digest: sha256, offset });
      const bytes = byDigest.get(sha256);
      if (!bytes) throw new Error(`no content ${sha256}`);
      // Small chunks, as a gRPC stream delivers them.
      for (let at = offset; at < bytes.length; at += 16 * 1024) yield bytes.subarray(at, Math.min(at + 16 * 1024, bytes.length));
    },
  };
}
