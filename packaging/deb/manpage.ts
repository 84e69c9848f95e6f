// A manual page (troff, man(7) macros) rendered from a CLI's command table, so
// `man ancla-agent` can never disagree with `ancla-agent --help`.
import type { Subcommand } from "../../core/cli.js";

export interface ManPage {
  name: string;
  section: number;
  summary: string;
  description: string[];
  commands: Record<string, Subcommand>;
  files: [string, string][];
  exitStatus: string[];
}

/** Escapes text for troff: backslashes, leading dots and quotes, hyphens in words. */
/** Text as roff shows it literally. */
export function esc(text: string): string {
  return text
    .replace(/\\/g, "\\e")
    .replace(/-/g, "\\-")
    .replace(/^([.'])/, "\\&$1");
}

export function renderManPage(page: ManPage): string {
  const lines = [
    `.TH ${page.name.toUpperCase()} ${page.section} "" "Ancla" "Ancla"`,
    ".SH NAME",
    `${esc(page.name)} \\- ${esc(page.summary)}`,
    ".SH SYNOPSIS",
    ...Object.values(page.commands).flatMap((cmd) => [".PP", `.B ${esc(page.name)}`, esc(cmd.usage)]),
    ".SH DESCRIPTION",
    ...page.description.flatMap((p) => [".PP", esc(p)]),
    ".SH COMMANDS",
    ...Object.entries(page.commands).flatMap(([name, cmd]) => [
      ".TP",
      `.B ${esc(name)}`,
      esc(cmd.summary),
      ...Object.entries(cmd.flags).flatMap(([name, flag]) => [".RS", `.B \\-\\-${esc(name)}${flag.type === "string" ? ` \\fI${esc(flag.value ?? "VALUE")}\\fR` : ""}`, ".br", esc(flag.help), ".RE"]),
    ]),
    ".SH FILES",
    ...page.files.flatMap(([path, what]) => [".TP", `.I ${esc(path)}`, esc(what)]),
    ".SH EXIT STATUS",
    ...page.exitStatus.flatMap((p) => [".PP", esc(p)]),
  ];
  return lines.join("\n") + "\n";
}
