// Host saturation from the real /proc and statfs: every value in range.
import t from "tap";
import { tmpdir } from "node:os";
import { managedPaths, mountOf, mountPoints } from "../../agent/health/disks.js";
import { SaturationSampler } from "../../agent/health/saturation.js";

t.test("cpu, memory, load and the managed mounts from the real host", async (t) => {
  const sampler = new SaturationSampler();
  sampler.setManagedPaths(
    managedPaths({
      resources: [
        { type: "file", title: `${tmpdir()}/x/motd`, properties: {} },
        { type: "image", title: "app", properties: { path: "/opt/app" } },
      ],
    }),
  );
  const end = Date.now() + 200;
  while (Date.now() < end); // some CPU to measure
  const s = sampler.sample();
  t.ok(s.cpuBusy! > 0 && s.cpuBusy! <= 1, `cpu busy ${s.cpuBusy}`);
  t.ok(s.memoryUsed! > 0 && s.memoryUsed! < 1, `memory used ${s.memoryUsed}`);
  t.ok(s.loadPerCore! >= 0, `load per core ${s.loadPerCore}`);
  t.ok(s.durationMs! >= 150);
  t.ok(s.disks!.length >= 1, "the mounts holding the managed paths");
  for (const d of s.disks!) t.ok(d.used! >= 0 && d.used! <= 1, `${d.mount}: ${d.used}`);
});

t.test("a path's mount is the longest mount point that holds it", async (t) => {
  t.ok(mountPoints().includes("/"));
  t.equal(mountOf("/var/lib/x", ["/", "/var", "/var/lib", "/var/l"]), "/var/lib");
  t.equal(mountOf("/variant", ["/", "/var"]), "/");
  t.equal(mountOf("/var", ["/", "/var"]), "/var");
});
