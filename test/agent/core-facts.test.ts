import t from "tap";
import { existsSync, readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { collectCoreFacts } from "../../agent/facts/core.js";
import { VOLATILE_FACTS } from "../../catalog/facts.js";
import { osFamily, readOsRelease } from "../../agent/facts/local.js";

t.test("core facts carry the stable names and finish under a second", async (t) => {
  const started = performance.now();
  // biome-ignore lint/suspicious/noExplicitAny: the test reads the facts as the loose JSON a site sees
  const facts = (await collectCoreFacts()) as Record<string, any>;
  t.ok(performance.now() - started < 1000, "collected in under 1 s");

  for (const key of ["family", "name", "release", "codename", "arch"]) t.type(facts.os[key], "string", `os.${key}`);
  t.match(facts.os.family, /^[a-z]+$/, "os.family is lowercase");
  for (const key of ["kernel", "hostname", "fqdn", "virtual"]) t.type(facts[key], "string", key);
  t.ok(facts.hostname.length > 0 && !facts.hostname.includes("."));
  t.ok(Number.isInteger(facts.cpu.count) && facts.cpu.count > 0, "cpu.count");
  t.type(facts.cpu.model, "string");
  t.ok(facts.memory.total_bytes > 0, "memory.total_bytes");
  t.type(facts.networking.ip, "string");
  t.ok(Object.keys(facts.networking.interfaces).length > 0, "networking.interfaces");
  for (const nic of Object.values(facts.networking.interfaces) as { ip: string; mac: string }[]) t.same(Object.keys(nic).sort(), ["ip", "mac"]);
  t.ok(Number.isInteger(facts.uptime_seconds) && facts.uptime_seconds >= 0);
  t.same(VOLATILE_FACTS, ["uptime_seconds"]);
});

t.test("os.family is the lowercase family a distribution derives from", (t) => {
  t.equal(osFamily({ ID: "ubuntu", ID_LIKE: "debian" }, "linux"), "debian");
  t.equal(osFamily({ ID: "debian" }, "linux"), "debian");
  t.equal(osFamily({ ID: "rocky", ID_LIKE: "rhel centos fedora" }, "linux"), "redhat");
  t.equal(osFamily({ ID: "nixos" }, "linux"), "nixos");
  t.equal(osFamily({}, "darwin"), "darwin");
  t.end();
});

t.test("on this host os.* matches /etc/os-release", { skip: !existsSync("/etc/os-release") }, async (t) => {
  const release = await readOsRelease();
  // biome-ignore lint/suspicious/noExplicitAny: the test reads the facts as the loose JSON a site sees
  const facts = (await collectCoreFacts()) as Record<string, any>;
  t.equal(facts.os.family, osFamily(release, "linux"));
  t.equal(facts.os.release, release.VERSION_ID);
  if (/debian|ubuntu/.test(`${release.ID} ${release.ID_LIKE}`)) t.equal(facts.os.family, "debian");
});

t.test("cpu and memory are the kernel's: logical CPUs online, the model /proc/cpuinfo names, total memory", { skip: !existsSync("/proc/cpuinfo") }, async (t) => {
  // biome-ignore lint/suspicious/noExplicitAny: the test reads the facts as the loose JSON a site sees
  const facts = (await collectCoreFacts()) as Record<string, any>;
  t.equal(facts.cpu.count, cpus().length);
  const model = /^model name\s*:\s*(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1]?.trim();
  if (model) t.equal(facts.cpu.model, model);
  t.equal(facts.memory.total_bytes, totalmem());
});
