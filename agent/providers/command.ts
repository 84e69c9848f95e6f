// Child processes for providers: argv only (never a shell unless the caller
// asks for /bin/sh), output bounded, and the whole process group killed when
// the resource's time is up, so a hung `apt-get` or guard cannot outlive it.
import { spawn } from "node:child_process";

export interface CommandOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Aborted when the resource times out: the process group gets SIGKILL. */
  signal?: AbortSignal;
  /** Keep all of stdout (for parsing) instead of only the tail. */
  fullStdout?: boolean;
}

export interface CommandResult {
  /** Exit status, or null when a signal ended the process. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** All of stdout when `fullStdout`, else its tail. */
  stdout: string;
  /** The last OUTPUT_TAIL_BYTES of stdout and stderr interleaved, as a human would have seen them. */
  output: string;
}

/** How much output a report keeps: enough for the error at the end, never a whole build log. */
export const OUTPUT_TAIL_BYTES = 4096;

/** Runs argv to completion. Rejects only when it cannot start or is aborted; a non-zero exit is a result. */
export type CommandRunner = (argv: readonly string[], opts?: CommandOptions) => Promise<CommandResult>;

export const runCommand: CommandRunner = (argv, opts = {}) =>
  new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(abortError(argv));
    // Its own process group (detached), so a timeout kills the shell's children too.
    const child = spawn(argv[0], argv.slice(1), { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const output = new TailBuffer(OUTPUT_TAIL_BYTES);
    const stdout = opts.fullStdout ? new FullBuffer() : new TailBuffer(OUTPUT_TAIL_BYTES);
    child.stdout.on("data", (d: Buffer) => {
      stdout.push(d);
      output.push(d);
    });
    child.stderr.on("data", (d: Buffer) => output.push(d));
    const kill = () => {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
    };
    opts.signal?.addEventListener("abort", kill, { once: true });
    child.on("error", (err) => {
      opts.signal?.removeEventListener("abort", kill);
      reject(new Error(`cannot run ${argv[0]}: ${err.message}`, { cause: err }));
    });
    child.on("close", (code, signal) => {
      opts.signal?.removeEventListener("abort", kill);
      if (opts.signal?.aborted) return reject(abortError(argv));
      resolve({ code, signal, stdout: stdout.text(), output: output.text() });
    });
  });

/** One line on how a command ended, with the tail of its output: what a report shows on failure. */
export function describeExit(what: string, result: CommandResult): string {
  const how = result.signal ? `was killed by ${result.signal}` : `exited with ${result.code}`;
  const tail = result.output.trim();
  return tail ? `${what} ${how}: ${tail}` : `${what} ${how}`;
}

function abortError(argv: readonly string[]): Error {
  return Object.assign(new Error(`${argv[0]} was stopped: the resource ran out of time`), { name: "AbortError" });
}

/** Keeps the last `limit` bytes; the start of a long output is cut at a line break and marked. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  private dropped = false;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size > 2 * this.limit) this.compact();
  }

  text(): string {
    this.compact();
    const text = Buffer.concat(this.chunks).toString("utf8");
    if (!this.dropped) return text;
    const cut = text.indexOf("\n");
    return `[…]${cut >= 0 && cut < text.length - 1 ? text.slice(cut) : text}`;
  }

  private compact(): void {
    if (this.size <= this.limit) return;
    const all = Buffer.concat(this.chunks);
    this.chunks = [all.subarray(all.length - this.limit)];
    this.size = this.limit;
    this.dropped = true;
  }
}

class FullBuffer {
  private readonly chunks: Buffer[] = [];

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}
