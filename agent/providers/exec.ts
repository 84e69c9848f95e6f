// The `exec` provider: a command made idempotent by its guards, like Puppet's.
// `creates` (a path that exists means done), `onlyif` (run only if this exits
// 0), `unless` (run only if this exits non-zero); `refreshonly` runs it only
// when notified. Commands and guards run through /bin/sh -c, with the agent's
// environment plus `environment`, in `cwd`, as `user` (through runuser, so
// supplementary groups are set as at a login).
//
// As in Puppet, guards run in noop too: they are how the provider knows
// whether the command would run, and they are expected to only look. When a
// guard cannot run at all in noop (its cwd or user is made by an earlier,
// noop'd resource), the outcome is "unknown", never a guess. Timeouts are the
// engine's (timeoutSeconds): it aborts, and the command's process group dies.
import { access, stat } from "node:fs/promises";
import type { JsonValue, Resource } from "../../catalog/model.js";
import { ID_SOURCES, loadIdTable } from "./ids.js";
import { describeExit, runCommand, type CommandResult, type CommandRunner } from "./command.js";
import { ResourceFailure, type CheckResult, type PropertyChange, type Provider, type ProviderContext, type RefreshResult } from "./provider.js";

export interface ExecSpec {
  command: string;
  creates?: string;
  unless?: string;
  onlyif?: string;
  refreshonly: boolean;
  /** Seconds; 0: no limit. */
  timeout: number;
  environment: Record<string, string>;
  cwd?: string;
  user?: string;
}

/** Puppet's default: 300 s. */
const DEFAULT_TIMEOUT = 300;

type Decision = { run: true } | { run: false; why: string } | { unknown: string };

export function createExecProvider(run: CommandRunner = runCommand): Provider {
  const shell = (spec: ExecSpec, script: string, ctx: ProviderContext): Promise<CommandResult> => {
    const argv = spec.user ? ["runuser", "-u", spec.user, "--", "/bin/sh", "-c", script] : ["/bin/sh", "-c", script];
    return run(argv, { env: { ...process.env, ...spec.environment }, cwd: spec.cwd, signal: ctx.signal });
  };

  /** Whether the guards let the command run. Guards that cannot run are unknown in noop, a failure otherwise. */
  const decide = async (spec: ExecSpec, ctx: ProviderContext, apply: boolean): Promise<Decision> => {
    if (spec.creates !== undefined && (await exists(spec.creates))) return { run: false, why: `${spec.creates} exists` };
    if (spec.onlyif === undefined && spec.unless === undefined) return { run: true };
    const missing = await missingPrerequisite(spec);
    if (missing && apply) throw new ResourceFailure(spec.onlyif !== undefined ? "onlyif" : "unless", `cannot run the guard: ${missing}`);
    if (missing) return { unknown: `the guard cannot run in noop: ${missing}; an earlier resource may provide it` };
    for (const [guard, runsWhenZero] of [
      ["onlyif", true],
      ["unless", false],
    ] as const) {
      const script = spec[guard];
      if (script === undefined) continue;
      const result = await shell(spec, script, ctx).catch((err: Error) => {
        throw new ResourceFailure(guard, `${guard} could not run: ${err.message}`);
      });
      if ((result.code === 0) !== runsWhenZero) return { run: false, why: `${guard} exited with ${result.code ?? result.signal}` };
    }
    return { run: true };
  };

  /** Runs the command; a non-zero exit fails the resource with the tail of its output (none when sensitive). */
  const execute = async (resource: Resource, spec: ExecSpec, ctx: ProviderContext): Promise<string> => {
    // A sensitive command may carry its secret in its text as well as in its output.
    const what = resource.sensitive ? "the command" : spec.command;
    const missing = await missingPrerequisite(spec);
    if (missing) throw new ResourceFailure("returns", `cannot run ${what}: ${missing}`);
    const result = await shell(spec, spec.command, ctx).catch((err: Error) => {
      throw new ResourceFailure("returns", `${what} could not run: ${err.message}`);
    });
    const output = resource.sensitive ? "" : result.output.trim();
    if (result.code !== 0) throw new ResourceFailure("returns", describeExit(what, { ...result, output }));
    return output ? `executed successfully: ${output}` : "executed successfully";
  };

  return {
    async checkApply(resource, apply, ctx): Promise<CheckResult> {
      const spec = parseExecSpec(resource);
      if (spec.refreshonly) return { changes: [], applied: false };
      const decision = await decide(spec, ctx, apply);
      if ("unknown" in decision) return { changes: [], applied: false, unknown: [{ property: "returns", desired: 0, reason: decision.unknown }] };
      if (!decision.run) return { changes: [], applied: false };
      const change: PropertyChange = { property: "returns", desired: 0, actual: "notrun" };
      if (apply) change.message = await execute(resource, spec, ctx);
      return { changes: [change], applied: apply };
    },

    // Puppet's semantics: a notified exec runs (again), its guards still apply.
    async refresh(resource, ctx): Promise<RefreshResult> {
      const spec = parseExecSpec(resource);
      const decision = await decide(spec, ctx, true);
      if ("run" in decision && !decision.run) return { message: `not run on refresh: ${decision.why}` };
      return { message: await execute(resource, spec, ctx) };
    },

    timeoutSeconds: (resource) => parseExecSpec(resource).timeout,
  };
}

export const execProvider: Provider = createExecProvider();

export function parseExecSpec(resource: Resource): ExecSpec {
  const p = resource.properties;
  const spec: ExecSpec = {
    command: optionalString(p, "command") ?? resource.title,
    creates: optionalString(p, "creates"),
    unless: optionalString(p, "unless"),
    onlyif: optionalString(p, "onlyif"),
    refreshonly: p.refreshonly === true,
    timeout: p.timeout === undefined ? DEFAULT_TIMEOUT : seconds(p.timeout),
    environment: environment(p.environment),
    cwd: optionalString(p, "cwd"),
    user: optionalString(p, "user"),
  };
  if (spec.creates !== undefined && !spec.creates.startsWith("/")) throw new ResourceFailure("creates", `creates must be an absolute path; got ${JSON.stringify(spec.creates)}`);
  return spec;
}

function optionalString(props: Resource["properties"], key: string): string | undefined {
  const v = props[key];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v === "") throw new ResourceFailure(key, `${key} must be a non-empty string; got ${JSON.stringify(v)}`);
  return v;
}

function seconds(v: JsonValue): number {
  if (typeof v === "number" && Number.isInteger(v) && v >= 0) return v;
  throw new ResourceFailure("timeout", `timeout must be whole seconds (0: no limit); got ${JSON.stringify(v)}`);
}

function environment(v: JsonValue | undefined): Record<string, string> {
  if (v === undefined) return {};
  if (typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string")) return v as Record<string, string>;
  throw new ResourceFailure("environment", "environment must be a map of names to strings");
}

/** What must exist before anything can run: the working directory and the user. */
async function missingPrerequisite(spec: ExecSpec): Promise<string | undefined> {
  if (spec.cwd !== undefined && !(await isDirectory(spec.cwd))) return `cwd ${spec.cwd} is not a directory`;
  if (spec.user !== undefined && !(await loadIdTable("user")).byName.has(spec.user)) return `no user named "${spec.user}" in ${ID_SOURCES.user}`;
  return undefined;
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (st) => st.isDirectory(),
    () => false,
  );
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
