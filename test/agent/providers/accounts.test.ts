// user and group: /etc/passwd and /etc/group parsed in full, the one
// shadow-utils command each plan needs, and noop runs nothing.
import t from "tap";
import { join } from "node:path";
import type { Resource } from "../../../catalog/model.js";
import { parseGroup, parsePasswd, readAccounts } from "../../../agent/providers/accounts.js";
import type { CommandRunner } from "../../../agent/providers/command.js";
import { createGroupProvider, planGroup, parseGroupSpec } from "../../../agent/providers/group.js";
import { loadIdTable } from "../../../agent/providers/ids.js";
import type { Provider } from "../../../agent/providers/provider.js";
import { providerFor } from "../../../agent/providers/registry.js";
import { createUserProvider, planUser, parseUserSpec } from "../../../agent/providers/user.js";
import { apply, catalogOf } from "../_helpers.js";
import { EventResult } from "../../../proto/gen/ancla/v1/agent_pb.js";
import { eventResultWords } from "../../../proto/report-words.js";

const PASSWD = `root:x:0:0:root:/root:/bin/bash
# a comment
+nisuser::::::
deploy:x:1001:1001:Deploy Bot,,,:/home/deploy:/bin/sh
broken:x:notanumber:1:::
`;
const GROUP = `root:x:0:
users:x:100:deploy
deploy:x:1001:
docker:x:999:alice,deploy
`;

const user = (title: string, properties: Resource["properties"]): Resource => ({ type: "user", title, properties });
const group = (title: string, properties: Resource["properties"]): Resource => ({ type: "group", title, properties });

t.test("passwd and group: every field, comments and NIS lines and malformed ids skipped", async (t) => {
  t.same(parsePasswd(PASSWD), [
    { name: "root", uid: 0, gid: 0, comment: "root", home: "/root", shell: "/bin/bash" },
    { name: "deploy", uid: 1001, gid: 1001, comment: "Deploy Bot,,,", home: "/home/deploy", shell: "/bin/sh" },
  ]);
  t.same(parseGroup(GROUP).at(-1), { name: "docker", gid: 999, members: ["alice", "deploy"] });
  t.same(parseGroup(GROUP)[0].members, []);
});

t.test("user plans: create, change only what differs in one usermod, groups as a minimum, remove", async (t) => {
  const dir = t.testdir({ passwd: PASSWD, group: GROUP });
  const accounts = await readAccounts({ passwd: join(dir, "passwd"), group: join(dir, "group") });
  const plan = (props: Resource["properties"], title = "deploy") => planUser(parseUserSpec(user(title, props)), accounts);

  t.same(plan({ ensure: "present", uid: 1500, gid: "users", groups: ["docker", "sudo"], home: "/srv/app", shell: "/bin/bash", comment: "App", system: true, managehome: true }, "app"), {
    changes: [{ property: "ensure", desired: "present", actual: "absent" }],
    argv: ["useradd", "-u", "1500", "-g", "users", "-G", "docker,sudo", "-d", "/srv/app", "-s", "/bin/bash", "-c", "App", "-r", "-m", "app"],
  });
  t.same(plan({ ensure: "present", uid: 1001, gid: "deploy", groups: ["docker", "users"], shell: "/bin/sh" }), { changes: [] }, "in sync; the primary group compared by name");
  t.same(plan({ ensure: "present", gid: 100, groups: ["docker", "adm"], shell: "/bin/bash" }), {
    changes: [
      { property: "gid", desired: 100, actual: 1001 },
      { property: "groups", desired: ["docker", "adm"], actual: ["docker", "users"] },
      { property: "shell", desired: "/bin/bash", actual: "/bin/sh" },
    ],
    argv: ["usermod", "-g", "100", "-a", "-G", "adm", "-s", "/bin/bash", "deploy"],
  });
  t.same(plan({ ensure: "absent", managehome: true }), { changes: [{ property: "ensure", desired: "absent", actual: "present" }], argv: ["userdel", "-r", "deploy"] });
  t.same(plan({ ensure: "absent" }, "nobody-here"), { changes: [] });
});

t.test("group plans: create with gid and system, change gid, remove", async (t) => {
  const accounts = { users: new Map(), groups: new Map(parseGroup(GROUP).map((g) => [g.name, g])) };
  const plan = (title: string, props: Resource["properties"]) => planGroup(parseGroupSpec(group(title, props)), accounts);
  t.same(plan("web", { ensure: "present", gid: 2000, system: true }).argv, ["groupadd", "-g", "2000", "-r", "web"]);
  t.same(plan("docker", { ensure: "present", gid: 998 }), { changes: [{ property: "gid", desired: 998, actual: 999 }], argv: ["groupmod", "-g", "998", "docker"] });
  t.same(plan("docker", { ensure: "present" }), { changes: [] });
  t.same(plan("docker", { ensure: "absent" }).argv, ["groupdel", "docker"]);
});

t.test("through the engine: noop runs nothing, apply runs one command each, failures carry the tool's words", async (t) => {
  const dir = t.testdir({ passwd: PASSWD, group: GROUP });
  const files = { passwd: join(dir, "passwd"), group: join(dir, "group") };
  const calls: string[][] = [];
  const run: CommandRunner = async (argv) => {
    calls.push([...argv]);
    const fails = argv[0] === "groupadd";
    return { code: fails ? 9 : 0, signal: null, stdout: "", output: fails ? "groupadd: group 'web' already exists" : "" };
  };
  const users = createUserProvider({ files, run });
  const groups = createGroupProvider({ files, run });
  const providers = (type: string) => (type === "user" ? users : type === "group" ? groups : undefined);
  const catalog = catalogOf([group("web", { ensure: "present" }), user("deploy", { ensure: "present", shell: "/bin/bash" })]);

  const noop = await apply(catalog, { providers, noop: true });
  t.same(calls, []);
  t.same(
    noop.events.map((e) => [e.resource, e.property, eventResultWords.word(e.result)]),
    [
      ["group:web", "ensure", "noop"],
      ["user:deploy", "shell", "noop"],
    ],
  );

  const real = await apply(catalog, { providers });
  t.same(calls, [
    ["groupadd", "web"],
    ["usermod", "-s", "/bin/bash", "deploy"],
  ]);
  t.match(real.events[0], { resource: "group:web", result: EventResult.FAILED, message: "groupadd exited with 9: groupadd: group 'web' already exists" });
});

t.test("ids.ts reads the same files the same way", async (t) => {
  const table = await loadIdTable("user");
  t.equal(table.byName.get("root"), 0);
});

t.test("a user waits for its managed groups, a file for its managed owner and group", async (t) => {
  const dir = t.testdir({});
  const order: string[] = [];
  /** Records the apply order and keeps the real provider's autorequire. */
  const recording = (real: Provider): Provider => ({
    autorequire: real.autorequire,
    async checkApply(r) {
      order.push(`${r.type}:${r.title}`);
      return { changes: [], applied: false };
    },
  });
  const providers = (type: string) => recording(providerFor(type)!);
  const path = join(dir, "f");
  await apply(catalogOf([{ type: "file", title: path, properties: { owner: "app", group: "web" } }, user("app", { gid: "web", groups: ["ops"] }), group("ops", {}), group("web", {})]), { providers });
  t.same(order, ["group:ops", "group:web", "user:app", `file:${path}`]);
});
