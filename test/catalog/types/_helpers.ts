// Shared by the resource type schema tests: validate and look at one side of the answer.
import type { Test } from "tap";
import type { JsonValue } from "../../../catalog/model.js";
import type { ResourceTypeSchema } from "../../../catalog/types/schema.js";

type Props = { [key: string]: JsonValue };

/** The normalised properties, failing the test (with the problems) when there were any. */
export function normalised(t: Test, schema: ResourceTypeSchema, title: string, props: Props): Props {
  const { properties, problems } = schema.validate(title, props);
  t.same(problems, [], `${schema.name} ${title} has no problems`);
  return properties;
}

/** The problems as "property: message" lines. */
export function problems(schema: ResourceTypeSchema, title: string, props: Props): string[] {
  return schema.validate(title, props).problems.map((p) => `${p.property}: ${p.message}`);
}
