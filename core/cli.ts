// Shared command-line plumbing for the three binaries (ancla-server, ancla-agent,
// ancla): strict flag parsing, --help, and the one-clear-line failure contract.
// It lives in core/ because agent/ and server/ may not import each other.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { durationSeconds } from "./duration.js";
import { AnclaError } from "./errors.js";
import { ANCLA_VERSION } from "./version.js";

/** Exit status for command-line misuse (sysexits EX_USAGE); 1 is "could not do it". */
export const EXIT_USAGE = 64;
export const EXIT_FAILURE = 1;

type ParseOption = NonNullable<ParseArgsConfig["options"]>[string];

/**
 * A flag as parseArgs reads it, with what --help and the man pages say of it:
 * each flag is described once, where it is defined, and rendered everywhere.
 */
export type Flag = ParseOption & {
  /** What it does, in a phrase. */
  help: string;
  /** The value's name in help (`--env ENV`); VALUE when unset. */
  value?: string;
};

export type FlagSpec = Record<string, Flag>;

/** `--env ENV`, `--json`, `--node NAME (repeatable)`: a flag as help shows it. */
export function flagLabel(name: string, flag: Flag): string {
  return `--${name}${flag.type === "string" ? ` ${flag.value ?? "VALUE"}` : ""}${flag.multiple ? " (repeatable)" : ""}`;
}

/** `--json`, as every command that prints objects takes it. */
export const JSON_FLAG = { json: { type: "boolean", help: "print the objects as JSON (the API's shapes) instead of tables" } } as const satisfies FlagSpec;

export interface Subcommand {
  /** e.g. "cert sign NAME" — shown in help. */
  usage: string;
  summary: string;
  flags: FlagSpec;
  /** Number of positional arguments after the command words: [min, max]. */
  positionals?: [number, number];
  run(args: ParsedArgs): Promise<number>;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

export function usageError(message: string): AnclaError {
  return new AnclaError("ANCLA_E_USAGE", message);
}

/** What a program says about itself beyond its commands: flags every command takes, shown in the top-level help. */
export interface CliInfo {
  globalFlags?: FlagSpec;
}

function commandLines(program: string, commands: Subcommand[]): string[] {
  return commands.map((cmd) => `  ${program} ${cmd.usage}`.padEnd(60) + ` ${cmd.summary}`);
}

function helpText(program: string, commands: Record<string, Subcommand>, info: CliInfo): string {
  const lines = [`usage: ${program} <command> [flags]`, "", "commands:", ...commandLines(program, Object.values(commands))];
  const globals = Object.entries(info.globalFlags ?? {});
  if (globals.length > 0) {
    lines.push("", "flags every command takes (before or after the command):");
    for (const [name, flag] of globals) lines.push(flagLine(name, flag));
  }
  lines.push("", `Run \`${program} <command> --help\` for a command's flags; \`${program} --version\` prints the version.`);
  return lines.join("\n");
}

/** The commands of a group such as `cert` (cert list, cert sign, ...), or none. */
function groupOf(word: string | undefined, commands: Record<string, Subcommand>): Subcommand[] {
  if (word === undefined || word.startsWith("-")) return [];
  return Object.entries(commands)
    .filter(([name]) => name.startsWith(`${word} `))
    .map(([, cmd]) => cmd);
}

function flagLine(name: string, flag: Flag): string {
  return `  ${flagLabel(name, flag)}`.padEnd(30) + ` ${flag.help}`;
}

/** A command's --help: its usage, summary, and each flag with what it does. */
export function commandHelp(program: string, cmd: Subcommand): string {
  const lines = [`usage: ${program} ${cmd.usage}`, "", cmd.summary, ""];
  for (const [name, flag] of Object.entries(cmd.flags)) lines.push(flagLine(name, flag));
  return lines.join("\n");
}

/**
 * Splits off the flags given before the command word (`ancla --data-dir D nodes`).
 * Whether such a flag takes a value is read from the commands' own flag tables:
 * a global flag has the same type in every command that takes it.
 */
function splitLeadingFlags(argv: string[], commands: Record<string, Subcommand>): { leading: string[]; argv: string[] } {
  const takesValue = new Set<string>();
  for (const cmd of Object.values(commands)) for (const [flag, spec] of Object.entries(cmd.flags)) if (spec.type === "string") takesValue.add(flag);
  let i = 0;
  while (i < argv.length && argv[i].startsWith("-") && argv[i] !== "--") {
    const flag = argv[i].replace(/^--?/, "");
    i += !flag.includes("=") && takesValue.has(flag) ? 2 : 1;
  }
  return { leading: argv.slice(0, Math.min(i, argv.length)), argv: argv.slice(i) };
}

/** Picks the longest command name (one or two words) that prefixes argv. */
function findCommand(argv: string[], commands: Record<string, Subcommand>): [string, string[]] | undefined {
  const two = argv.slice(0, 2).join(" ");
  if (argv.length >= 2 && commands[two]) return [two, argv.slice(2)];
  if (argv.length >= 1 && commands[argv[0]]) return [argv[0], argv.slice(1)];
  return undefined;
}

function parseCommand(program: string, name: string, cmd: Subcommand, rest: string[]): ParsedArgs {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, options: cmd.flags, allowPositionals: true, strict: true });
  } catch (err) {
    throw usageError(`${program} ${name}: ${(err as Error).message.split("\n")[0]}`);
  }
  const [min, max] = cmd.positionals ?? [0, 0];
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    throw usageError(`${program} ${name}: expected ${min === max ? min : `${min} to ${max}`} argument(s), got ${parsed.positionals.length}; usage: ${program} ${cmd.usage}`);
  }
  return parsed as ParsedArgs;
}

/**
 * Runs the command named by argv and exits with its status. Any failure ends as
 * one line on stderr (the error's code and what to do) and a non-zero exit.
 */
export async function runCli(program: string, commands: Record<string, Subcommand>, info: CliInfo = {}, argv = process.argv.slice(2)): Promise<never> {
  let code: number;
  try {
    code = await dispatch(program, commands, info, argv);
  } catch (err) {
    code = reportFailure(err);
  }
  // Let stdout drain (piped output is asynchronous) before exiting.
  await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
  process.exit(code);
}

async function dispatch(program: string, commands: Record<string, Subcommand>, info: CliInfo, given: string[]): Promise<number> {
  const { leading, argv } = splitLeadingFlags(given, commands);
  const asksHelp = (words: string[]) => words.includes("--help") || words.includes("-h");
  if (given.length === 0 || argv[0] === "help" || (argv.length === 0 && asksHelp(leading))) {
    process.stdout.write(helpText(program, commands, info) + "\n");
    return given.length === 0 ? EXIT_USAGE : 0;
  }
  if (argv.length === 0 && leading.includes("--version")) {
    process.stdout.write(`${program} ${ANCLA_VERSION}\n`);
    return 0;
  }
  const found = findCommand(argv, commands);
  if (!found) {
    const group = groupOf(argv[0], commands);
    // No "run --help" here: the ANCLA_E_USAGE hint already says it.
    if (group.length === 0) throw usageError(`${program}: unknown command "${argv.slice(0, 2).join(" ") || leading.join(" ")}"`);
    // `ancla cert` or `ancla cert --help`: what the group's commands are.
    process.stdout.write([`usage: ${program} ${argv[0]} <command> [flags]`, "", ...commandLines(program, group)].join("\n") + "\n");
    return asksHelp(argv) || asksHelp(leading) ? 0 : EXIT_USAGE;
  }
  const [name, afterName] = found;
  // Flags given before the command belong to it as much as those after (git, kubectl).
  const rest = [...afterName, ...leading];
  const cmd = commands[name];
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(commandHelp(program, cmd) + "\n");
    return 0;
  }
  return cmd.run(parseCommand(program, name, cmd, rest));
}

function reportFailure(err: unknown): number {
  if (err instanceof AnclaError) {
    process.stderr.write(`error: ${err.line}\n`);
    return err.code === "ANCLA_E_USAGE" ? EXIT_USAGE : EXIT_FAILURE;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`error: ${message.split("\n")[0]}\n`);
  if (process.env.ANCLA_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ""}\n`);
  return EXIT_FAILURE;
}

/** A string flag's value, or undefined. */
export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === "string" ? v : undefined;
}

/** A boolean flag's value. */
export function bool(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/** Parses "30s", "15m", "1h", "7d" or plain seconds into seconds. */
export function parseDuration(text: string): number {
  const seconds = durationSeconds(text);
  if (seconds === undefined) throw usageError(`invalid duration "${text}"; use e.g. 30s, 15m, 1h, 7d`);
  return seconds;
}
