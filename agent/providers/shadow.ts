// What the user and group providers share: plan from /etc/passwd and
// /etc/group, make it so with one shadow-utils command (useradd, groupmod…),
// and the checks of their few property shapes.
import type { JsonValue, Resource } from "../../catalog/model.js";
import { readAccounts, ACCOUNT_FILES, type Accounts, type AccountFiles } from "./accounts.js";
import { describeExit, runCommand, type CommandRunner } from "./command.js";
import { ResourceFailure, type PropertyChange, type Provider } from "./provider.js";

export interface AccountProviderOptions {
  files?: AccountFiles;
  run?: CommandRunner;
}

/** The changes, and the one command that makes them (none when in sync). */
export interface AccountPlan {
  changes: PropertyChange[];
  argv?: string[];
}

export function accountProvider(opts: AccountProviderOptions, plan: (resource: Resource, accounts: Accounts) => AccountPlan): Provider {
  const files = opts.files ?? ACCOUNT_FILES;
  const run = opts.run ?? runCommand;
  return {
    async checkApply(resource, apply, ctx) {
      const { changes, argv } = plan(resource, await readAccounts(files));
      const applied = apply && argv !== undefined;
      if (applied) {
        // Their own words fail the resource: they say which group is missing, which uid is taken.
        const result = await run(argv, { signal: ctx.signal });
        if (result.code !== 0) throw new ResourceFailure(changes[0].property, describeExit(argv[0], result));
      }
      return { changes, applied };
    },
  };
}

export function presence(v: JsonValue | undefined): "present" | "absent" {
  if (v === undefined || v === "present" || v === "absent") return v ?? "present";
  throw new ResourceFailure("ensure", `ensure must be present or absent; got ${JSON.stringify(v)}`);
}

export function optional<T extends JsonValue>(v: JsonValue | undefined, property: string, ok: (v: JsonValue) => v is T): T | undefined {
  if (v === undefined) return undefined;
  if (!ok(v)) throw new ResourceFailure(property, `${property} has an invalid value ${JSON.stringify(v)}`);
  return v;
}

export const isId = (v: JsonValue): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;
