// The artifact store over the real HTTPS API and SQLite file: a push streams
// to disk content-addressed and is audited; a repeat is a no-op, other bytes
// under the same name@version are refused; a viewer cannot push; an upload
// cut short leaves nothing; the site compiler resolves `artifact:` through
// the store, and says where and how when it cannot.
import t, { type Test } from "tap";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { Readable } from "node:stream";
import { sha256Hex } from "../../catalog/canonical.js";
import { formatProblem } from "../../catalog/compile-seam.js";
import { createSiteCompiler } from "../../catalog/site/create-site-compiler.js";
import { ArtifactStore } from "../../server/artifacts/store.js";
import { CertificateService } from "../../server/ca/service.js";
import { startHttpApi } from "../../server/http/server.js";
import { createLogger } from "../../server/log.js";
import { ApiClient, ApiError } from "../../server/operator/client.js";
import { createCertificateAuthority } from "../../pki/ca.js";
import { serverIdentity, tempDir, tempStore } from "./_helpers.js";

async function artifactApi(t: Test) {
  const { store } = tempStore(t);
  const dir = join(tempDir(t), "artifacts");
  const artifacts = new ArtifactStore(dir, store);
  const ca = createCertificateAuthority("Test CA");
  const tls = serverIdentity(ca);
  const certs = new CertificateService(store, ca, { agentCertDays: 30 });
  const api = await startHttpApi({ store, certs, tlsCertPem: tls.certPem, tlsKeyPem: tls.keyPem, host: "127.0.0.1", port: 0, logger: createLogger("test", { level: "silent" }), artifacts });
  t.teardown(() => api.close());
  const client = async (role: "viewer" | "operator") => new ApiClient({ url: api.url, token: (await certs.createApiToken(role, `test ${role}`)).token, caPem: ca.certPem, caSource: "test" });
  return { store, dir, artifacts, url: api.url, ca, operator: await client("operator"), viewer: await client("viewer") };
}

interface Pushed {
  name: string;
  version: string;
  sha256: string;
  size: number;
  created: boolean;
}

const push = (client: ApiClient, name: string, version: string, bytes: Buffer) =>
  client.upload<Pushed>(`/artifacts/${name}/${version}`, Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]), bytes.length);

t.test("a push is stored by SHA-256, listed, audited; a repeat changes nothing; other bytes under the same name@version are refused", async (t) => {
  const a = await artifactApi(t);
  const image = randomBytes(200_000);
  const sha = sha256Hex(image);
  const pushed = await push(a.operator, "webapp", "1.0.0", image);
  t.match(pushed, { name: "webapp", version: "1.0.0", sha256: sha, size: image.length, created: true });
  t.same(readFileSync(join(a.dir, sha.slice(0, 2), sha)), image, "the bytes, content-addressed");
  t.same(readdirSync(join(a.dir, "tmp")), [], "no temp file left");
  t.match((await a.store.audit.listAudit({ limit: 5 }))[0], { action: "artifact.push", target: "webapp@1.0.0", detail: { sha256: sha, size: image.length, created: true } });

  t.match(await push(a.operator, "webapp", "1.0.0", image), { sha256: sha, created: false }, "the same bytes again: nothing new");
  const conflict = await push(a.operator, "webapp", "1.0.0", randomBytes(5000)).catch((e: unknown) => e);
  t.ok(conflict instanceof ApiError && conflict.status === 409 && conflict.code === "ANCLA_E_ARTIFACT_CONFLICT", String(conflict));
  t.match((conflict as Error).message, new RegExp(`webapp@1.0.0 is sha256:${sha}; these 5000 bytes are sha256:\\w+\\. Push them as a new version`));
  t.equal((await a.artifacts.lookup("webapp", "1.0.0"))?.sha256, sha, "the first push stands");
  t.same(
    readdirSync(a.dir).filter((n) => n !== "tmp"),
    [sha.slice(0, 2)],
    "the refused bytes were not kept",
  );

  const { artifacts } = await a.viewer.get<{ artifacts: Pushed[] }>("/artifacts");
  t.match(artifacts, [{ name: "webapp", version: "1.0.0", sha256: sha, size: image.length, pushed_by: /test operator/ }]);
});

t.test("a viewer may list but not push; a bad name is refused; nothing is stored", async (t) => {
  const a = await artifactApi(t);
  const denied = await push(a.viewer, "webapp", "1.0.0", randomBytes(3000)).catch((e: unknown) => e);
  t.ok(denied instanceof ApiError && denied.status === 403 && denied.code === "ANCLA_E_PERMISSION_DENIED", String(denied));
  const bad = await push(a.operator, "-webapp", "1.0.0", randomBytes(3000)).catch((e: unknown) => e);
  t.ok(bad instanceof ApiError && bad.status === 400 && /artifact name "-webapp"/.test(bad.message), String(bad));
  t.same(await a.artifacts.list(), []);
  t.notOk(existsSync(a.dir) && readdirSync(a.dir).some((n) => n !== "tmp"), "no bytes stored");
});

t.test("an upload cut short leaves no artifact and no file", async (t) => {
  const a = await artifactApi(t);
  const token = (a.operator as unknown as { conn: { token: string } }).conn.token;
  await new Promise<void>((resolve) => {
    const req = httpsRequest(new URL("/api/v1/artifacts/webapp/2.0.0", a.url), {
      method: "PUT",
      ca: a.ca.certPem,
      servername: "localhost",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream", "content-length": "1000000" },
    });
    req.on("error", () => resolve());
    req.write(randomBytes(300_000), () => setTimeout(() => req.destroy(), 200));
  });
  // The server notices the broken body on its own time.
  for (let i = 0; i < 50 && existsSync(join(a.dir, "tmp")) && readdirSync(join(a.dir, "tmp")).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  t.same(await a.artifacts.list(), [], "no artifact");
  t.same(readdirSync(join(a.dir, "tmp")), [], "the partial upload is removed");
  t.same(readdirSync(a.dir), ["tmp"], "nothing content-addressed");
});

t.test("the compiler resolves artifact: NAME@VERSION through the store, and says where and how when it cannot", async (t) => {
  const a = await artifactApi(t);
  const image = randomBytes(4000);
  await push(a.operator, "webapp", "2.1.0", image);
  const site = t.testdir({
    "nodes.yaml": 'nodes:\n  - match: "*"\n    modules: [web]\n',
    modules: {
      web: {
        "module.yaml":
          "resources:\n  - type: image\n    title: webapp\n    artifact: webapp@2.1.0\n    path: /opt/webapp\n  - type: image\n    title: other\n    artifact: other@9\n    path: /opt/other\n",
      },
    },
  });
  const compiler = createSiteCompiler(site, { artifacts: async (name, version) => (await a.artifacts.lookup(name, version))?.sha256 });
  const missing = await compiler.compile("web-01", {});
  t.same(missing.ok ? [] : missing.problems.map(formatProblem), [
    "modules/web/module.yaml:8:15: for node web-01: no artifact other@9 in the server's artifact store; push it with `ancla artifact push FILE --name other --version 9`",
  ]);
  await push(a.operator, "other", "9", randomBytes(100));
  const ok = await compiler.compile("web-01", {});
  t.ok(ok.ok);
  if (ok.ok) {
    t.same(ok.body.resources[0].properties, { path: "/opt/webapp", content_sha256: sha256Hex(image), artifact: "webapp@2.1.0", keep: 2 });
    t.equal(ok.contents.size, 0, "the bytes stay in the artifact store, not in the compile");
  }
});
