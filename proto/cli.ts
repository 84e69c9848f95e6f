// Shared command-line plumbing for the three binaries (ancla-server, ancla-agent,
// ancla): strict flag parsing, --help, and the one-clear-line failure contract.
// It lives in proto/ because agent/ and server/ may not import each other.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { AnclaError } from "./errors.js";

/** Exit status for command-line misuse (sysexits EX_USAGE); 1 is "could not do it". */
export const EXIT_USAGE = 64;
export const EXIT_FAILURE = 1;

export type FlagSpec = NonNullable<ParseArgsConfig["options"]>;

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

function helpText(program: string, commands: Record<string, Subcommand>): string {
  const lines = [`usage: ${program} <command> [flags]`, "", "commands:"];
  for (const cmd of Object.values(commands)) lines.push(`  ${program} ${cmd.usage}`.padEnd(60) + ` ${cmd.summary}`);
  lines.push("", `Run \`${program} <command> --help\` for a command's flags.`);
  return lines.join("\n");
}

function commandHelp(program: string, cmd: Subcommand): string {
  const lines = [`usage: ${program} ${cmd.usage}`, "", cmd.summary, ""];
  for (const [name, spec] of Object.entries(cmd.flags)) {
    lines.push(`  --${name}${spec.type === "string" ? " VALUE" : ""}${spec.multiple ? " (repeatable)" : ""}`);
  }
  return lines.join("\n");
}

/** Picks the longest command name (one or two words) that prefixes argv. */
function findCommand(argv: string[], commands: Record<string, Subcommand>): [string, string[]] | undefined {
  const two = argv.slice(0, 2).join(" ");
  if (argv.length >= 2 && commands[two]) return [two, argv.slice(2)];
  if (argv.length >= 1 && commands[argv[0]]) return [argv[0], argv.slice(1)];
  return undefined;
}

function parseCommand(program: string, name: string, cmd: Subcommand, rest: string[]): ParsedArgs {
  let parsed;
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
export async function runCli(program: string, commands: Record<string, Subcommand>, argv = process.argv.slice(2)): Promise<never> {
  let code: number;
  try {
    code = await dispatch(program, commands, argv);
  } catch (err) {
    code = reportFailure(err);
  }
  // Let stdout drain (piped output is asynchronous) before exiting.
  await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
  process.exit(code);
}

async function dispatch(program: string, commands: Record<string, Subcommand>, argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    process.stdout.write(helpText(program, commands) + "\n");
    return argv.length === 0 ? EXIT_USAGE : 0;
  }
  const found = findCommand(argv, commands);
  // No "run --help" here: the ANCLA_E_USAGE hint already says it.
  if (!found) throw usageError(`${program}: unknown command "${argv.slice(0, 2).join(" ")}"`);
  const [name, rest] = found;
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
  const m = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!m) throw usageError(`invalid duration "${text}"; use e.g. 30s, 15m, 1h, 7d`);
  const unit = { "": 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2]] ?? 1;
  return Number(m[1]) * unit;
}
