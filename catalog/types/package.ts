// `package`: a Debian package through apt/dpkg. The title is the package
// name; a multiarch qualifier (`libc6:i386`) is allowed, as apt takes it.
import { accept, either, matching, oneOf, type Check } from "./checks.js";
import { defineType } from "./define.js";
import type { ResourceTypeSchema } from "./schema.js";

/** Debian policy: lower case letters, digits, "+", "-", "."; at least two long, starting alphanumeric. */
const packageName = matching(/^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?$/, 'a Debian package name like "nginx" or "libc6:i386"');

/** [epoch:]upstream[-revision], upstream starting with a digit (Debian policy 5.6.12, simplified). */
const version = matching(/^(\d+:)?\d[A-Za-z0-9.+~-]*$/, "a version");

const states = either(oneOf(["installed", "latest", "absent"]), version, 'installed, latest, absent or a version like "1.24.0-1"');

/** Puppet users write `present`; it means `installed`. */
const ensure: Check = (v, name) => (v === "present" ? accept("installed") : states(v, name));

export const packageType: ResourceTypeSchema = defineType({
  name: "package",
  title: packageName,
  properties: {
    ensure: { check: ensure, default: "installed" },
  },
});
