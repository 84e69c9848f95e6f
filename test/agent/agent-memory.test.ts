import t from "tap";
import { writeFile } from "node:fs/promises";
import { stateLayout } from "../../agent/state/layout.js";
import { loadMemory, saveMemory } from "../../agent/state/memory.js";

t.test("a missing memory is empty with serial 0; saved memory round-trips", async (t) => {
  const layout = stateLayout(t.testdir({}));
  t.same(await loadMemory(layout), { serial: 0, resources: {} });
  const memory = { serial: 7, resources: { "file:/etc/motd": "a".repeat(64) } };
  await saveMemory(layout, memory);
  t.same(await loadMemory(layout), memory);
});

t.test("a corrupt memory is a clear error, not a silent reset of the serial", async (t) => {
  const layout = stateLayout(t.testdir({}));
  await writeFile(layout.memory, '{"serial": -1, "resources": {}}');
  await t.rejects(loadMemory(layout), { code: "ANCLA_E_IO", message: /memory.json is corrupt \(serial is not a non-negative integer\)/ });
  await writeFile(layout.memory, "nope");
  await t.rejects(loadMemory(layout), { code: "ANCLA_E_IO" });
});
