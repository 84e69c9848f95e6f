// Atomic replacement, checked from outside: a replaced file is a new inode
// (renamed over, never rewritten in place), and a reader in another process
// that reads the file over and over while it is rewritten sees only whole
// versions, never a partial or mixed one.
import t from "tap";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../agent/state/atomic-write.js";
import { workDir } from "../helpers/processes.js";

t.test("a replaced file gets a new inode, and a reader never sees a partial file", async (t) => {
  const path = join(workDir(t, {}), "big");
  const size = 2 * 1024 * 1024;
  await writeFileAtomic(path, Buffer.alloc(size, 0));
  // A reader in its own process reads the whole file over and over; every read must be one
  // complete version (2 MiB of one byte value), until it is told to stop (stdin closes).
  const reader = spawn(
    process.execPath,
    [
      "-e",
      `const fs = require("node:fs");
       let reads = 0, bad = 0, stop = false;
       process.stdin.on("end", () => (stop = true)).resume();
       const loop = () => {
         const b = fs.readFileSync(process.argv[1]);
         reads++;
         if (b.length !== ${size} || !b.equals(Buffer.alloc(${size}, b[0]))) bad++;
         if (reads === 1) process.stdout.write("reading\\n");
         if (stop) process.stdout.write(JSON.stringify({ reads, bad }) + "\\n");
         else setImmediate(loop);
       };
       loop();`,
      path,
    ],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  t.teardown(() => {
    if (reader.exitCode === null) reader.kill("SIGKILL");
  });
  let out = "";
  reader.stdout.on("data", (d: Buffer) => (out += d.toString()));
  while (!out.includes("reading")) await once(reader.stdout, "data");

  const inodes = [(await stat(path)).ino];
  for (let version = 1; version <= 40; version++) {
    await writeFileAtomic(path, Buffer.alloc(size, version));
    inodes.push((await stat(path)).ino);
  }
  reader.stdin.end();
  await once(reader, "exit");
  const { reads, bad } = JSON.parse(out.split("\n")[1]) as { reads: number; bad: number };
  t.ok(reads > 1, `the reader read while the file was rewritten (${reads} reads)`);
  t.equal(bad, 0, "no read saw a partial or mixed file");
  t.ok(
    inodes.every((ino, i) => i === 0 || ino !== inodes[i - 1]),
    "every rewrite is a new inode (renamed over), never written in place",
  );
  t.equal((await readFile(path))[0], 40);
});
