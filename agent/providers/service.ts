// The `service` provider (systemd): ensure running/stopped, enable, restart on
// refresh, daemon-reload when a managed unit file changed in this run.
//
// What is: one `systemctl show` for every service of the run (prepare), asked
// again per unit once something in the run changed. Where systemd is not
// running (a chroot, a container without it: no /run/systemd/system), whether
// a unit runs cannot be known, so `ensure` and refresh are reported "unknown"
// — never guessed; `enable` still works, since systemctl edits the symlinks
// offline.
import { existsSync } from "node:fs";
import type { Resource } from "../../catalog/model.js";
import { describeExit, runCommand, type CommandRunner } from "./command.js";
import { ResourceFailure, type CheckResult, type PropertyChange, type Provider, type ProviderContext, type RefreshResult, type UnknownProperty } from "./provider.js";

export interface ServiceProviderOptions {
  run?: CommandRunner;
  /** Whether systemd manages this host; default: /run/systemd/system exists (sd_booted). */
  booted?: () => boolean;
}

interface ServiceSpec {
  unit: string;
  ensure?: "running" | "stopped";
  enable?: boolean;
}

interface UnitState {
  loaded: boolean;
  /** ActiveState: active, inactive, failed, activating… (undefined offline). */
  active?: string;
  /** UnitFileState / is-enabled: enabled, disabled, static, masked… */
  fileState: string;
}

/** Directories systemd reads units from: a file changed there needs a daemon-reload. */
const UNIT_DIRS = ["/etc/systemd/system/", "/run/systemd/system/", "/lib/systemd/system/", "/usr/lib/systemd/system/"];

/** Unit file states enable/disable cannot change (no [Install] section, generated…): in sync either way. */
const FIXED_FILE_STATES = new Set(["static", "indirect", "generated", "transient", "alias"]);

const RUNNING_STATES = new Set(["active", "activating", "reloading"]);

export function createServiceProvider(opts: ServiceProviderOptions = {}): Provider {
  const run = opts.run ?? runCommand;
  const booted = opts.booted ?? (() => existsSync("/run/systemd/system"));
  const prepare = async (resources: readonly Resource[], ctx: ProviderContext): Promise<Provider> => {
    const systemd = new Systemctl(run, booted());
    const snapshot =
      systemd.booted && resources.length > 0
        ? await systemd.show(
            resources.map((r) => r.title),
            ctx,
          )
        : new Map<string, UnitState>();
    return new ServiceRun(systemd, snapshot, ctx.changed.length);
  };
  return {
    prepare,
    async checkApply(resource, apply, ctx) {
      return (await prepare([resource], ctx)).checkApply(resource, apply, ctx);
    },
  };
}

export const serviceProvider: Provider = createServiceProvider();

/** systemctl, with the host's answers parsed. */
class Systemctl {
  constructor(
    private readonly run: CommandRunner,
    readonly booted: boolean,
  ) {}

  async show(units: readonly string[], ctx: ProviderContext): Promise<Map<string, UnitState>> {
    const result = await this.run(["systemctl", "show", "--property=LoadState,ActiveState,UnitFileState", "--", ...units], { signal: ctx.signal, fullStdout: true });
    if (result.code !== 0) throw new ResourceFailure("", describeExit("systemctl show", result));
    const blocks = result.stdout.trim().split(/\n\s*\n/);
    return new Map(units.map((unit, i) => [unit, parseShow(blocks[i] ?? "")]));
  }

  /** Offline, only the unit file state can be known: `is-enabled` reads the symlinks. */
  async fileState(unit: string, ctx: ProviderContext): Promise<UnitState> {
    const result = await this.run(["systemctl", "is-enabled", "--", unit], { signal: ctx.signal });
    const state = result.stdout.trim();
    // Unknown units: exit 1, nothing on stdout (or "not-found" on newer systemd).
    return state && state !== "not-found" ? { loaded: true, fileState: state } : { loaded: false, fileState: "" };
  }

  async act(verb: string, unit: string, property: string, ctx: ProviderContext): Promise<void> {
    const result = await this.run(["systemctl", verb, "--", unit], { signal: ctx.signal });
    if (result.code !== 0) throw new ResourceFailure(property, describeExit(`systemctl ${verb} ${unit}`, result));
  }

  async daemonReload(ctx: ProviderContext): Promise<void> {
    const result = await this.run(["systemctl", "daemon-reload"], { signal: ctx.signal });
    if (result.code !== 0) throw new ResourceFailure("", describeExit("systemctl daemon-reload", result));
  }
}

function parseShow(block: string): UnitState {
  const fields = new Map(block.split("\n").map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
  const load = fields.get("LoadState");
  return { loaded: load !== undefined && load !== "not-found", active: fields.get("ActiveState"), fileState: fields.get("UnitFileState") ?? "" };
}

/** One run's services: the snapshot, when it was taken, what was started and reloaded. */
class ServiceRun implements Provider {
  private readonly started = new Set<string>();

  constructor(
    private readonly systemd: Systemctl,
    private snapshot: Map<string, UnitState>,
    /** ctx.changed.length when the snapshot was taken (or systemd last reloaded): later changes make it stale. */
    private takenAt: number,
  ) {}

  async checkApply(resource: Resource, apply: boolean, ctx: ProviderContext): Promise<CheckResult> {
    const spec = parseServiceSpec(resource);
    if (apply) await this.reloadIfUnitsChanged(ctx);
    const state = await this.state(spec, ctx);
    if (!state.loaded) return this.notFound(spec, apply);
    const unknown: UnknownProperty[] = [];
    const steps: { change: PropertyChange; verbs: string[] }[] = [];
    const enable = enableStep(spec, state);
    if (enable) steps.push(enable);
    if (spec.ensure !== undefined && state.active === undefined) {
      unknown.push({
        property: "ensure",
        desired: spec.ensure,
        reason: `systemd is not running here (no /run/systemd/system: a chroot or a container without it), so whether ${spec.unit} runs cannot be known`,
      });
    } else if (spec.ensure !== undefined) {
      const ensure = ensureStep(spec.ensure, state.active!);
      if (ensure) steps.push(ensure);
    }
    if (apply) {
      for (const step of steps) for (const verb of step.verbs) await this.systemd.act(verb, spec.unit, step.change.property, ctx);
      if (steps.some((s) => s.verbs.includes("start"))) this.started.add(spec.unit);
    }
    return { changes: steps.map((s) => s.change), applied: apply && steps.length > 0, unknown };
  }

  /** A running service restarts; one started in this run already runs its new configuration. */
  async refresh(resource: Resource, ctx: ProviderContext): Promise<RefreshResult> {
    const spec = parseServiceSpec(resource);
    if (!this.systemd.booted) return { unknown: true, message: `cannot restart ${spec.unit}: systemd is not running here` };
    if (this.started.has(spec.unit)) return { message: "not restarted: started in this run" };
    const state = await this.state(spec, ctx);
    if (!RUNNING_STATES.has(state.active ?? "")) return { message: "not restarted: not running" };
    await this.systemd.act("restart", spec.unit, "refresh", ctx);
    return { message: "restarted" };
  }

  private async state(spec: ServiceSpec, ctx: ProviderContext): Promise<UnitState> {
    if (!this.systemd.booted) return this.systemd.fileState(spec.unit, ctx);
    const fresh = this.takenAt === ctx.changed.length ? this.snapshot.get(spec.unit) : undefined;
    return fresh ?? (await this.systemd.show([spec.unit], ctx)).get(spec.unit)!;
  }

  /** Before the first service after a unit file changed: systemd must read it before it is started. */
  private async reloadIfUnitsChanged(ctx: ProviderContext): Promise<void> {
    if (!this.systemd.booted) return;
    const since = ctx.changed.slice(this.takenAt);
    if (!since.some((r) => r.type === "file" && UNIT_DIRS.some((dir) => r.title.startsWith(dir)))) return;
    await this.systemd.daemonReload(ctx);
    this.snapshot = new Map();
    this.takenAt = ctx.changed.length;
  }

  /** A unit that does not exist: a package earlier in the run may bring it, which noop cannot know. */
  private notFound(spec: ServiceSpec, apply: boolean): CheckResult {
    if (apply) throw new ResourceFailure("", `systemd has no unit named ${spec.unit}; install the package that provides it (and require it) or add a unit file`);
    const reason = `no unit named ${spec.unit} yet; a resource earlier in this run may provide it`;
    const unknown: UnknownProperty[] = [];
    if (spec.enable !== undefined) unknown.push({ property: "enable", desired: spec.enable, reason });
    if (spec.ensure !== undefined) unknown.push({ property: "ensure", desired: spec.ensure, reason });
    return { changes: [], applied: false, unknown };
  }
}

function enableStep(spec: ServiceSpec, state: UnitState): { change: PropertyChange; verbs: string[] } | undefined {
  if (spec.enable === undefined || FIXED_FILE_STATES.has(state.fileState)) return undefined;
  const enabled = state.fileState === "enabled" || state.fileState === "enabled-runtime";
  // A masked unit is more than disabled; enabling it unmasks it first, as Puppet does.
  if (spec.enable === enabled || (!spec.enable && state.fileState === "masked")) return undefined;
  const verbs = spec.enable ? [...(state.fileState === "masked" ? ["unmask"] : []), "enable"] : ["disable"];
  return { change: { property: "enable", desired: spec.enable, actual: state.fileState }, verbs };
}

function ensureStep(ensure: "running" | "stopped", active: string): { change: PropertyChange; verbs: string[] } | undefined {
  const actual = RUNNING_STATES.has(active) ? "running" : active === "failed" ? "failed" : "stopped";
  if (ensure === "running" ? actual === "running" : actual !== "running") return undefined;
  return { change: { property: "ensure", desired: ensure, actual }, verbs: [ensure === "running" ? "start" : "stop"] };
}

function parseServiceSpec(resource: Resource): ServiceSpec {
  const { ensure, enable } = resource.properties;
  if (ensure !== undefined && ensure !== "running" && ensure !== "stopped") throw new ResourceFailure("ensure", `ensure must be running or stopped; got ${JSON.stringify(ensure)}`);
  if (enable !== undefined && typeof enable !== "boolean") throw new ResourceFailure("enable", `enable must be true or false; got ${JSON.stringify(enable)}`);
  return { unit: resource.title, ensure, enable };
}
