// An image is unpacked only when every entry stays inside its slot: an
// absolute path, a ".." that climbs out, a symlink or hard link pointing out
// refuse the whole image before anything is written, and nothing is switched.
import t from "tap";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readlinkSync } from "node:fs";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { c as createTar } from "tar";
import { applyCatalog } from "../../../agent/engine/apply.js";
import { escapeOf } from "../../../agent/providers/image-unpack.js";
import { sha256Hex } from "../../../catalog/canonical.js";
import { catalogOf } from "../_helpers.js";
import { EventResult, ReportStatus } from "../../../proto/gen/ancla/v1/agent_pb.js";
import { imageStream, type Image } from "./_image-app.js";

/** Applies one image resource, its content streamed from `image`, with the agent state under `dir`. */
function applyImage(dir: string, title: string, path: string, image: Image, extra: Record<string, number> = {}) {
  return applyCatalog(catalogOf([{ type: "image", title, properties: { path, content_sha256: image.digest, ...extra } }]), {
    noop: false,
    memory: {},
    fetchContent: () => Promise.reject(new Error("streamed")),
    streamContent: imageStream(image).stream,
    stateDir: join(dir, "state"),
  });
}

async function tarOf(dir: string, name: string, cwd: string, entries: string[]): Promise<Image> {
  const file = join(dir, `${name}.tar`);
  await createTar({ cwd, file, preservePaths: true }, entries);
  const bytes = new Uint8Array(await readFile(file));
  return { file, bytes, digest: sha256Hex(bytes) };
}

t.test("entries escaping the slot are named and refuse the image; nothing is unpacked or switched", async (t) => {
  const dir = t.testdir({ src: { app: { "index.js": "ok\n", sub: { "f.txt": "f\n" } } }, outside: { "secret.txt": "secret\n" } });
  const app = join(dir, "src/app");
  await symlink("/etc", join(app, "etc-link"));
  await symlink("../../outside", join(app, "sub/up-link"));
  await symlink("f.txt", join(app, "sub/inside-link"));
  const cases: [string, Image, RegExp][] = [
    ["a symlink to an absolute path", await tarOf(dir, "abs-link", app, ["index.js", "etc-link"]), /"etc-link" links to "\/etc", outside the slot/],
    ["a symlink climbing out", await tarOf(dir, "up-link", app, ["index.js", "sub/up-link"]), /"sub\/up-link" links to "..\/..\/outside", outside the slot/],
    ["a path climbing out", await tarOf(dir, "dotdot", join(app, "sub"), ["f.txt", "../../../outside/secret.txt"]), /"..\/..\/..\/outside\/secret.txt" is outside the slot/],
    ["an absolute path", await tarOf(dir, "absolute", app, ["index.js", join(dir, "outside/secret.txt")]), /is outside the slot/],
  ];
  for (const [what, image, reason] of cases) {
    const path = join(dir, "srv", image.digest.slice(0, 8));
    const before = readdirSync(join(dir, "outside"));
    const outcome = await applyImage(dir, "webapp", path, image, { keep: 2 });
    t.equal(outcome.status, ReportStatus.FAILED, what);
    t.match(outcome.events[0], { result: EventResult.FAILED, code: undefined, message: reason }, what);
    t.match(outcome.logs.map((l) => l.code).join(","), /ANCLA_E_IMAGE_UNSAFE/, `${what}: its own error code`);
    t.same(existsSync(join(path, "slots")) ? readdirSync(join(path, "slots")) : [], [], `${what}: no slot, no staging left`);
    t.notOk(existsSync(join(path, "current")), `${what}: nothing switched`);
    t.same(readdirSync(join(dir, "outside")), before, `${what}: nothing written outside`);
  }
});

t.test("links that stay inside the slot are unpacked as links", async (t) => {
  const dir = t.testdir({ src: { app: { "index.js": "ok\n", sub: { "f.txt": "f\n" } } } });
  const app = join(dir, "src/app");
  await symlink("f.txt", join(app, "sub/same-dir"));
  await symlink("../index.js", join(app, "sub/parent"));
  await mkdir(join(app, "empty"));
  await writeFile(join(app, "empty/.keep"), "");
  const image = await tarOf(dir, "fine", app, ["index.js", "sub", "empty"]);
  const path = join(dir, "srv/app");
  const outcome = await applyImage(dir, "app", path, image);
  t.equal(outcome.status, ReportStatus.CHANGED, outcome.logs.map((l) => l.message).join("\n"));
  t.equal(readlinkSync(join(path, "current/sub/parent")), "../index.js");
  t.equal(await readFile(join(path, "current/sub/same-dir"), "utf8"), "f\n");
});

t.test("escapeOf: the rules one entry at a time", async (t) => {
  t.equal(escapeOf("File", "a/b/c.txt"), undefined);
  t.equal(escapeOf("File", "./a/../b"), undefined, "a .. that stays inside");
  t.match(escapeOf("File", "a/../../b"), /outside the slot/);
  t.match(escapeOf("File", "/etc/passwd"), /outside the slot/);
  t.equal(escapeOf("SymbolicLink", "a/b", "../c"), undefined);
  t.match(escapeOf("SymbolicLink", "a/b", "../../c"), /links to/);
  t.match(escapeOf("Link", "a/b", "../c"), /hard link/);
  t.equal(escapeOf("Link", "a/b", "c/d"), undefined, "a hard link names a path from the archive root");
  t.match(escapeOf("CharacterDevice", "dev/null"), /is a CharacterDevice/);
  t.match(escapeOf("FIFO", "pipe"), /is a FIFO/);
});

t.test(
  "an image that would unpack past the free space is refused before a byte is written (and a gzip bomb by node-tar's ratio limit)",
  { skip: process.getuid?.() === 0 ? false : "needs root to mount a small tmpfs" },
  async (t) => {
    const dir = t.testdir({ src: {} });
    // 24 MiB that do not compress, for a 16 MiB file system.
    await writeFile(join(dir, "src/data.bin"), randomBytes(24 * 1024 * 1024));
    const file = join(dir, "big.tar");
    await createTar({ cwd: join(dir, "src"), file }, ["data.bin"]);
    const bytes = new Uint8Array(await readFile(file));
    const image: Image = { file, bytes, digest: sha256Hex(bytes) };
    // Zeros: a gzip bomb (40 MiB from a few KiB) stops at node-tar's decompression ratio limit.
    await writeFile(join(dir, "src/zeros.bin"), Buffer.alloc(40 * 1024 * 1024));
    const bombFile = join(dir, "bomb.tar.gz");
    await createTar({ cwd: join(dir, "src"), file: bombFile, gzip: true }, ["zeros.bin"]);
    const bombBytes = new Uint8Array(await readFile(bombFile));
    const bomb: Image = { file: bombFile, bytes: bombBytes, digest: sha256Hex(bombBytes) };
    const small = join(dir, "small");
    await mkdir(small);
    t.equal(spawnSync("mount", ["-t", "tmpfs", "-o", "size=16m", "tmpfs", small]).status, 0, "a 16 MiB file system");
    // Unmounted here, not in a teardown: the test dir is removed before teardowns run.
    try {
      const path = join(small, "srv/app");
      const outcome = await applyImage(dir, "app", path, image);
      t.equal(outcome.status, ReportStatus.FAILED);
      t.match(outcome.events[0]?.message, /unpacks to 24\.0 MiB and .* has [\d.]+ MiB free \(5% is kept free\)/);
      t.same(existsSync(join(path, "slots")) ? readdirSync(join(path, "slots")) : [], [], "no slot, no staging left");
      const bombed = await applyImage(dir, "bomb", join(small, "srv/bomb"), bomb);
      t.match(bombed.events[0]?.message, /max decompression ratio exceeded/, "the gzip bomb is refused too");
    } finally {
      spawnSync("umount", ["-l", small]);
    }
  },
);
