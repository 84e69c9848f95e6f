// Every resource type the site language knows, in one table: the compiler
// looks a resource's type up here, and an unknown type is a compile problem.
import { execType } from "./exec.js";
import { fileType } from "./file.js";
import { groupType } from "./group.js";
import { imageType } from "./image.js";
import { packageType } from "./package.js";
import type { ResourceTypeSchema } from "./schema.js";
import { serviceType } from "./service.js";
import { userType } from "./user.js";

const SCHEMAS: readonly ResourceTypeSchema[] = [fileType, packageType, serviceType, userType, groupType, execType, imageType];
const BY_NAME: ReadonlyMap<string, ResourceTypeSchema> = new Map(SCHEMAS.map((s) => [s.name, s]));

export const RESOURCE_TYPES: readonly string[] = SCHEMAS.map((s) => s.name);

export function resourceType(name: string): ResourceTypeSchema | undefined {
  return BY_NAME.get(name);
}
