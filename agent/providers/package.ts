// The `package` provider (apt/dpkg): installed, latest, a version, absent.
//
// "What is" comes from dpkg's status file, read once per run (and again after
// apt ran). "Make it so" is batched: when the first package of a run needs a
// change, every other package that may be changed now (ctx.mayApplyNow: not
// noop, everything it requires done) joins one
// `apt-get install a b=1.2 c- …` — installs, pinned versions and removals in
// one transaction, so a run with 20 packages resolves dependencies once.
// Packages that must wait for other resources get their own call at their
// turn. When a batch fails, each of its packages is tried on its own (the
// first at once, the others at their turn), so the report blames the one
// that broke. Noop never runs apt-get;
// `latest` asks `apt-cache policy` (a read-only query), once for all.
import type { Resource } from "../../catalog/model.js";
import { resourceRef } from "../../catalog/model.js";
import { describeExit, runCommand, type CommandResult, type CommandRunner } from "./command.js";
import { isAbsent, isPresent, lookupPackage, parseAptPolicy, readDpkgStatus, DPKG_STATUS, type DpkgDatabase } from "./dpkg.js";
import { ResourceFailure, type CheckResult, type PropertyChange, type Provider, type ProviderContext } from "./provider.js";

export interface PackageProviderOptions {
  statusFile?: string;
  run?: CommandRunner;
}

/** What apt must be told for one package: "name", "name=version" or "name-" (remove). */
interface Plan {
  change: PropertyChange;
  aptArg: string;
}

interface Member {
  resource: Resource;
  plan: Plan;
}

const APT_ENV = { DEBIAN_FRONTEND: "noninteractive", APT_LISTCHANGES_FRONTEND: "none", NEEDRESTART_MODE: "l" };

/** Keep changed config files of the admin's, take the maintainer's for untouched ones; never ask. */
const APT_INSTALL = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "--allow-downgrades", "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold"];

export function createPackageProvider(opts: PackageProviderOptions = {}): Provider {
  const statusFile = opts.statusFile ?? DPKG_STATUS;
  const run = opts.run ?? runCommand;
  const prepare = async (resources: readonly Resource[], ctx: ProviderContext): Promise<Provider> => {
    const latest = resources.filter((r) => r.properties.ensure === "latest").map((r) => r.title);
    const candidates = latest.length > 0 ? await aptCandidates(run, latest, ctx.signal) : new Map<string, string | undefined>();
    return new PackageRun(resources, await readDpkgStatus(statusFile), candidates, statusFile, run);
  };
  return {
    prepare,
    // Without a prepared run (a caller outside the engine), prepare just this one.
    async checkApply(resource, apply, ctx) {
      return (await prepare([resource], ctx)).checkApply(resource, apply, ctx);
    },
  };
}

export const packageProvider: Provider = createPackageProvider();

async function aptCandidates(run: CommandRunner, titles: string[], signal: AbortSignal): Promise<Map<string, string | undefined>> {
  const result = await run(["apt-cache", "policy", "--", ...titles], { env: { ...process.env, ...APT_ENV }, signal, fullStdout: true });
  if (result.code !== 0) throw new ResourceFailure("ensure", describeExit("apt-cache policy", result));
  return parseAptPolicy(result.stdout);
}

/** One run's packages: the dpkg snapshot, the candidates, and what batches did. */
class PackageRun implements Provider {
  /** Done by a batch: the change each package had before it. */
  private readonly batched = new Map<string, PropertyChange>();
  /** Packages whose batch failed: each is tried alone at its turn. */
  private readonly alone = new Set<string>();

  constructor(
    private readonly resources: readonly Resource[],
    private db: DpkgDatabase,
    private readonly candidates: ReadonlyMap<string, string | undefined>,
    private readonly statusFile: string,
    private readonly run: CommandRunner,
  ) {}

  async checkApply(resource: Resource, apply: boolean, ctx: ProviderContext): Promise<CheckResult> {
    const ref = resourceRef(resource);
    const done = this.batched.get(ref);
    if (done) return { changes: [done], applied: true };
    const plan = this.plan(resource);
    if (!plan) return { changes: [], applied: false };
    if (!apply) return { changes: [plan.change], applied: false };
    const batch = this.alone.has(ref) ? [] : this.batchFor(resource, plan, ctx);
    if (batch.length > 1 && (await this.apt(batch, ctx)).code === 0) {
      this.settle(batch);
    } else {
      // Alone from the start, or the batch failed: each of its packages is tried on its own, this one now.
      for (const m of batch) this.alone.add(resourceRef(m.resource));
      const result = await this.apt([{ resource, plan }], ctx);
      if (result.code !== 0) throw new ResourceFailure("ensure", describeExit("apt-get", result));
    }
    // apt said yes; dpkg must agree, or the report would claim a change that did not happen.
    const still = this.plan(resource);
    if (still) throw new ResourceFailure("ensure", `apt-get succeeded but ${resource.title} is ${JSON.stringify(still.change.actual)}, not ${JSON.stringify(still.change.desired)}`);
    return { changes: [plan.change], applied: true };
  }

  /** This package plus every other one that needs a change and may be changed now. */
  private batchFor(resource: Resource, plan: Plan, ctx: ProviderContext): Member[] {
    const members: Member[] = [{ resource, plan }];
    for (const other of this.resources) {
      const ref = resourceRef(other);
      if (other === resource || this.batched.has(ref) || this.alone.has(ref) || !ctx.mayApplyNow(ref)) continue;
      // A package whose plan fails (no candidate) fails at its own turn, not this one's.
      const otherPlan = attempt(() => this.plan(other));
      if (otherPlan) members.push({ resource: other, plan: otherPlan });
    }
    return members;
  }

  private async apt(members: readonly Member[], ctx: ProviderContext): Promise<CommandResult> {
    const result = await this.run([...APT_INSTALL, "--", ...members.map((m) => m.plan.aptArg)], { env: { ...process.env, ...APT_ENV }, signal: ctx.signal });
    this.db = await readDpkgStatus(this.statusFile);
    return result;
  }

  /** After a batch: the others are done (reported at their turn), unless dpkg disagrees; then they try alone. */
  private settle(batch: readonly Member[]): void {
    for (const m of batch.slice(1)) {
      if (this.plan(m.resource) === undefined) this.batched.set(resourceRef(m.resource), m.plan.change);
      else this.alone.add(resourceRef(m.resource));
    }
  }

  /** The change this package needs against the current snapshot, or undefined when in sync. */
  private plan(resource: Resource): Plan | undefined {
    const name = resource.title;
    const ensure = parseEnsure(resource);
    const pkg = lookupPackage(this.db, name);
    const actual = isPresent(pkg) ? pkg.version : isAbsent(pkg) ? "absent" : pkg!.state;
    if (ensure === "absent") return isAbsent(pkg) ? undefined : { change: { property: "ensure", desired: "absent", actual }, aptArg: `${name}-` };
    if (ensure === "installed") return isPresent(pkg) ? undefined : { change: { property: "ensure", desired: "installed", actual }, aptArg: name };
    if (ensure === "latest") {
      const candidate = this.candidates.get(name);
      if (candidate === undefined) throw new ResourceFailure("ensure", `apt has no candidate version of ${name}; check the name and the sources (apt-get update)`);
      return isPresent(pkg) && pkg.version === candidate ? undefined : { change: { property: "ensure", desired: candidate, actual }, aptArg: name };
    }
    return isPresent(pkg) && pkg.version === ensure ? undefined : { change: { property: "ensure", desired: ensure, actual }, aptArg: `${name}=${ensure}` };
  }
}

function attempt<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

function parseEnsure(resource: Resource): string {
  const ensure = resource.properties.ensure ?? "installed";
  if (typeof ensure !== "string" || ensure === "") throw new ResourceFailure("ensure", `ensure must be installed, latest, absent or a version; got ${JSON.stringify(ensure)}`);
  return ensure === "present" ? "installed" : ensure;
}
