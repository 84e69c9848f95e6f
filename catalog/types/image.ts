// `image`: an image-swap update of a directory tree. The compiler turns the
// tar's `source`/`artifact` into `content_sha256` and keeps `artifact`
// ("name@version") for the record. `health` is optional: without it the swap
// commits as soon as the switch and the restarts succeeded. Defaults: keep
// 2 slots (the running one and the one to go back to), a 30 s health
// deadline, and HTTP status 200.
import { absolutePath, duration, httpUrl, int, matching, nonEmptyString, sha256 } from "./checks.js";
import { defineType, record, type Rule } from "./define.js";
import type { ResourceTypeSchema } from "./schema.js";

const artifact = matching(/^[A-Za-z0-9][A-Za-z0-9._-]*@[A-Za-z0-9][A-Za-z0-9.+~_-]*$/, 'an artifact like "webapp@2.1.0"');

const oneProbe: Rule = (p) => ((p.command === undefined) === (p.http === undefined) ? [{ property: "health", message: "`health` needs either `command` or `http`, not both or neither" }] : []);

const health = record(
  {
    command: { check: nonEmptyString },
    http: {
      check: record({
        url: { check: httpUrl, required: true },
        status: { check: int(100, 599), default: 200 },
        max_ms: { check: int(1) },
      }),
    },
    deadline: { check: duration(1), default: 30 },
  },
  [oneProbe],
);

export const imageType: ResourceTypeSchema = defineType({
  name: "image",
  title: nonEmptyString,
  properties: {
    path: { check: absolutePath, required: true },
    content_sha256: { check: sha256, required: true },
    artifact: { check: artifact },
    keep: { check: int(1), default: 2 },
    health: { check: health },
  },
});
