// The catalog's file schema and the agent's file provider agree on links and
// purge: what the compiler normalises the agent accepts, and a mode on a link
// is refused at compile time rather than failing on the host.
import t from "tap";
import { parseFileSpec } from "../../../agent/providers/file-spec.js";
import { fileType } from "../../../catalog/types/file.js";
import { normalised, problems } from "../../catalog/types/_helpers.js";

t.test("links and purged directories compile to properties the agent reads", async (t) => {
  const link = parseFileSpec({ type: "file", title: "/srv/l", properties: normalised(t, fileType, "/srv/l", { ensure: "link", target: "/srv//d/", owner: "root" }) });
  t.match(link, { ensure: "link", target: "/srv/d", owner: "root", purge: false });
  const dir = parseFileSpec({ type: "file", title: "/srv/d", properties: normalised(t, fileType, "/srv/d", { ensure: "directory", purge: true, mode: "755" }) });
  t.match(dir, { ensure: "directory", purge: true, mode: 0o755 });
});

t.test("a mode on a link is refused by the schema", async (t) => {
  t.same(problems(fileType, "/l", { ensure: "link", target: "/x", mode: "0777" }), ["mode: `mode` does not apply to `ensure: link` (a symlink has no mode of its own)"]);
});
