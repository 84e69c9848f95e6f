// Every flag of the three programs says what it does, once, where it is
// defined: `--help` shows each flag with its value's name and that phrase,
// and so do the manual pages, rendered from the same tables.
import t from "tap";
import { commands as agentCommands } from "../../agent/cli/commands.js";
import { operatorCommands } from "../../packaging/deb/server-manpages.js";
import { esc, renderManPage } from "../../packaging/deb/manpage.js";
import { commandHelp, flagLabel, type Subcommand } from "../../core/cli.js";
import { serverCommands } from "../../server/cli/commands.js";

t.test("each command's help lists each of its flags with what it does", async (t) => {
  const programs: [string, Record<string, Subcommand>][] = [
    ["ancla-agent", agentCommands],
    ["ancla-server", serverCommands],
    ["ancla", await operatorCommands()],
  ];
  for (const [program, commands] of programs) {
    for (const [name, cmd] of Object.entries(commands)) {
      const help = commandHelp(program, cmd);
      for (const [flag, spec] of Object.entries(cmd.flags)) {
        t.ok(spec.help.length >= 10, `${program} ${name} --${flag} says what it does`);
        t.ok(help.includes(`${flagLabel(flag, spec)}`) && help.includes(spec.help), `${program} ${name} --help shows --${flag}`);
      }
    }
    const page = renderManPage({ name: program, section: 1, summary: "s", description: [], commands, files: [], exitStatus: [] });
    const described = Object.values(commands).flatMap((cmd) => Object.values(cmd.flags).map((f) => f.help));
    t.ok(
      described.every((h) => page.includes(`\n${esc(h)}\n`)),
      `the ${program} manual page carries the flags' descriptions`,
    );
  }
  t.equal(flagLabel("node", { type: "string", multiple: true, value: "NAME", help: "x" }), "--node NAME (repeatable)");
  t.equal(flagLabel("json", { type: "boolean", help: "x" }), "--json");
});
