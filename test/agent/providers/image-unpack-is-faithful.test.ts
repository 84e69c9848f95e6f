// An image slot holds exactly what the image holds, or the image is refused
// (issue 11, item 9): setuid, setgid and sticky bits are cleared, since a root
// agent would otherwise plant a setuid-root binary from any image; a GNU
// sparse file, which node-tar drops (old GNU form) or writes as its sparse
// map (pax forms), refuses the whole image instead of a slot that commits wrong.
// The tars are made by GNU tar, as an image build would.
import t from "tap";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { unpackInto } from "../../../agent/providers/image-unpack.js";

function gnuTar(dir: string, out: string, args: string[]): string {
  const file = join(out, `image-${args.join("").replace(/[^a-z0-9]/gi, "") || "plain"}.tar.gz`);
  execFileSync("tar", [...args, "-czf", file, "-C", dir, "."]);
  return file;
}

t.test("setuid, setgid and sticky bits are cleared; the rest of the mode stays", async (t) => {
  const dir = t.testdir({ tree: { tool: "#!/bin/sh\n", data: {} }, slots: {} });
  chmodSync(join(dir, "tree/tool"), 0o6755);
  chmodSync(join(dir, "tree/data"), 0o1777);
  const image = gnuTar(join(dir, "tree"), dir, []);
  await unpackInto(image, join(dir, "slots"), "s1");
  t.equal(statSync(join(dir, "slots/s1/tool")).mode & 0o7777, 0o755, "setuid and setgid gone, rwxr-xr-x kept");
  t.equal(statSync(join(dir, "slots/s1/data")).mode & 0o7000, 0, "sticky gone from the directory");
  t.equal(readFileSync(join(dir, "slots/s1/tool"), "utf8"), "#!/bin/sh\n");
});

for (const [form, args] of [
  ["the GNU format", ["--sparse"]],
  ["pax, sparse version 1.0", ["--sparse", "--format=pax"]],
  ["pax, sparse version 0.0", ["--sparse", "--format=pax", "--sparse-version=0.0"]],
] as const) {
  t.test(`a sparse file (${form}) refuses the whole image, and no slot appears`, async (t) => {
    const dir = t.testdir({ tree: { "a.txt": "a\n" }, slots: {} });
    const holey = join(dir, "tree/holey.db");
    writeFileSync(holey, "");
    truncateSync(holey, 8 * 1024 * 1024);
    // Data in the middle of 8 MiB of hole: what GNU tar --sparse stores as a sparse file.
    const wrote = execFileSync("sh", ["-c", `printf data | dd of=${holey} bs=1 seek=4000000 conv=notrunc 2>/dev/null; echo ok`]).toString();
    t.equal(wrote.trim(), "ok");
    const image = gnuTar(join(dir, "tree"), dir, [...args]);
    await t.rejects(unpackInto(image, join(dir, "slots"), "s1"), { code: "ANCLA_E_IMAGE_UNSAFE", message: /sparse/ });
    t.notOk(existsSync(join(dir, "slots/s1")), "no slot");
    t.same(readdirSync(join(dir, "slots")), [], "and no staging directory left behind");
  });
}
