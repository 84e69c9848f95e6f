// Image updates through a real server, all real processes on loopback: an
// operator pushes the app's images with `ancla artifact push`, the site names
// them `artifact: app@VERSION`, the agent fetches them over mTLS FetchContent
// (resuming a partial download from its offset), switches, restarts the app
// and commits once its health probe passes; FetchContent serves a node only
// what its catalog names, from any offset. An image shipped in the module
// (`source: files/...`) travels the same way from the server's content store.
import t from "tap";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { enroll, parseReport, startFleet } from "../helpers/fleet.js";
import { freePort, workDir } from "../helpers/processes.js";
import { agentClient } from "../../agent/transport.js";
import { stateLayout } from "../../agent/state/layout.js";
import { appSetup, buildImage, served, stopApp } from "../agent/providers/_image-app.js";

function writeSite(site: string, app: Awaited<ReturnType<typeof appSetup>>, version: string): void {
  mkdirSync(join(site, "modules/webapp"), { recursive: true });
  writeFileSync(join(site, "nodes.yaml"), 'nodes:\n  - match: "web-*"\n    modules: [webapp]\n');
  writeFileSync(
    join(site, "modules/webapp/module.yaml"),
    `resources:
  - type: image
    title: webapp
    artifact: app@${version}
    path: ${app.path}
    health:
      http: { url: "http://127.0.0.1:${app.port}/health", status: 200, max_ms: 5000 }
      deadline: 20s
    notify: [exec:restart-webapp]
  - type: exec
    title: restart-webapp
    command: "${app.restartScript} ${app.pidFile} ${join(app.path, "current/app.mjs")} ${app.port}"
    refreshonly: true
  - type: image
    title: static
    source: files/static.tar.gz
    path: ${join(app.path, "../static")}
`,
  );
}

t.test("ancla artifact push, a site with artifact: app@1.0.0, the agent fetching it over mTLS and committing", async (t) => {
  const base = workDir(t, { site: {} });
  const site = join(base, "site");
  const app = await appSetup(base, await freePort());
  t.teardown(() => stopApp(app));
  const [v1, v2] = [await buildImage(base, "1.0.0"), await buildImage(base, "2.0.0")];
  writeSite(site, app, "1.0.0");
  // An image shipped in the module: compiled into the server's content store, served by FetchContent like file content.
  mkdirSync(join(site, "modules/webapp/files"), { recursive: true });
  copyFileSync((await buildImage(base, "static-1")).file, join(site, "modules/webapp/files/static.tar.gz"));
  const fleet = await startFleet(base, site);
  t.teardown(() => fleet.stop());

  const pushed = await fleet.ancla(["artifact", "push", v1.file, "--name", "app", "--version", "1.0.0", "--json"]);
  t.equal(pushed.code, 0, pushed.stderr);
  t.match(JSON.parse(pushed.stdout), { name: "app", version: "1.0.0", sha256: v1.digest, size: v1.bytes.length, created: true });
  t.equal(pushed.stderr, "", "no progress bar when stderr is not a terminal");

  const agent = await enroll(fleet, base, "web-01");
  // A download cut short by an earlier run: the agent asks the server from the partial file's size.
  const half = Math.floor(v1.bytes.length / 2);
  mkdirSync(join(agent.stateDir, "image/downloads"), { recursive: true });
  writeFileSync(join(agent.stateDir, "image/downloads", `${v1.digest}.part`), v1.bytes.subarray(0, half));

  const first = await agent.run();
  t.equal(first.code, 2, first.stderr);
  const r1 = parseReport(first.stdout);
  t.match(
    r1.events?.find((e) => e.resource === "image:webapp"),
    { result: "changed", property: "content_sha256" },
  );
  t.ok(
    r1.logs?.some((l) => l.message === `image:webapp: downloading sha256:${v1.digest} (resuming at byte ${half})`),
    "resumed from the offset",
  );
  t.equal(await served(app), "1.0.0");
  t.equal(readFileSync(join(app.path, "../static/current/VERSION"), "utf8"), "static-1\n", "source: files/... through the server");

  t.equal((await agent.run()).code, 0, "in sync");

  const second = await fleet.ancla(["artifact", "push", v2.file, "--name", "app", "--version", "2.0.0"]);
  t.equal(second.code, 0, second.stderr);
  t.match(second.stdout, new RegExp(`^pushed app@2.0.0 sha256:${v2.digest}`));
  const conflict = await fleet.ancla(["artifact", "push", v1.file, "--name", "app", "--version", "2.0.0"]);
  t.equal(conflict.code, 1, "other bytes under a pushed version are refused");
  t.match(conflict.stderr, /ANCLA_E_ARTIFACT_CONFLICT: app@2\.0\.0 is sha256:/);
  // FetchContent over the agent's own mTLS identity: what its catalog names, from any offset; nothing else.
  const client = agentClient(fleet.server.grpc, stateLayout(agent.stateDir));
  t.teardown(() => client.close());
  const tail: Uint8Array[] = [];
  for await (const chunk of client.fetchContent({ sha256: v1.digest, offset: BigInt(half) })) tail.push(chunk.data);
  t.same(Buffer.concat(tail), Buffer.from(v1.bytes.subarray(half)), "the artifact from the offset on");
  const notNamed = await (async () => {
    for await (const _chunk of client.fetchContent({ sha256: v2.digest, offset: 0n })) return "served";
    return "empty";
  })().catch((err: Error) => err.message);
  t.match(notNamed, new RegExp(`NOT_FOUND.*no content ${v2.digest} in the catalog of web-01`), "an artifact the node's catalog does not name is refused");

  const list = await fleet.ancla(["artifact", "list"]);
  t.equal(list.code, 0, list.stderr);
  t.match(list.stdout, /app@1\.0\.0 .*\napp@2\.0\.0|app@2\.0\.0 .*\napp@1\.0\.0/);

  writeSite(site, app, "2.0.0");
  const update = await agent.run();
  t.equal(update.code, 2, update.stderr);
  t.match(
    parseReport(update.stdout).events?.find((e) => e.resource === "image:webapp"),
    { result: "changed" },
  );
  t.equal(await served(app), "2.0.0", "the new version serves");

  const shown = await fleet.ancla(["report", "show", "web-01", "--json"]);
  t.ok(
    parseReport(shown.stdout).logs?.some((l) => /image:webapp: committed: health check passed/.test(l.message)),
    "the server's copy of the report has the image's states",
  );
});
