import t from "tap";
import { RESOURCE_TYPES, resourceType } from "../../../catalog/types/registry.js";

t.test("every type of the site language is registered under its own name", async (t) => {
  t.same([...RESOURCE_TYPES].sort(), ["exec", "file", "group", "image", "package", "service", "user"]);
  for (const name of RESOURCE_TYPES) t.equal(resourceType(name)?.name, name, name);
});

t.test("an unknown type is undefined, also for names of Object's prototype", async (t) => {
  for (const name of ["cron", "File", "toString", "constructor", ""]) t.equal(resourceType(name), undefined, name);
});

t.test("schemas list the properties they accept and refuse everything else", async (t) => {
  t.same(resourceType("file")?.properties, ["ensure", "content", "content_sha256", "mode", "owner", "group", "target", "purge"]);
  for (const name of RESOURCE_TYPES) {
    const schema = resourceType(name)!;
    t.notOk(schema.properties.includes("title"), `${name} does not take the meta key title`);
    const { problems } = schema.validate("x", { nonsense: 1 });
    t.ok(
      problems.some((p) => p.property === "nonsense"),
      `${name} refuses an unknown property`,
    );
    t.ok(
      schema.validate("x", { constructor: 1 }).problems.some((p) => p.property === "constructor"),
      `${name} refuses a prototype name`,
    );
  }
});
