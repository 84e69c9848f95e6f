// `ancla rollout start|status|list|pause|resume|approve|abort|rollback`: move
// an environment to a new release in the steps of its strategy, and follow or
// steer it. Each prints the rollout (--json: the API's object, with its id).
import { JSON_FLAG, bool, str, usageError, type ParsedArgs, type Subcommand } from "../../core/cli.js";
import { ApiClient } from "./client.js";
import { CONNECTION_FLAGS, resolveConnection } from "./connection.js";
import { print, table, when } from "./output.js";
import { shortVersion } from "./release.js";
import type { RolloutDetailJson, RolloutJson } from "../http/routes/rollouts.js";

function stepLine(r: RolloutJson): string {
  const mark = { done: "✓", current: "▶", pending: "·" } as const;
  const steps = r.steps.map((s) => `${mark[s.state]} ${s.text}`);
  return r.step >= r.steps.length && r.state !== "completed" ? [...steps, "▶ all nodes"].join("   ") : steps.join("   ");
}

function reasonLines(r: RolloutJson): string[] {
  if (!r.reason) return [];
  const gate = r.reason.kind === "gate" ? `gate ${r.reason.gate}: measured ${r.reason.value}, allowed ${r.reason.threshold}; nodes ${r.reason.nodes?.join(", ")}` : undefined;
  return [`  reason   ${r.reason.message}`, ...(gate ? [`           ${gate}`] : [])];
}

function detailText(r: RolloutDetailJson): string {
  const head = [
    `rollout ${r.id}  ${r.state}  environment ${r.environment} (strategy ${r.strategy})`,
    `  release  ${shortVersion(r.from_release)} → ${shortVersion(r.to_release)}`,
    `  steps    ${stepLine(r)}`,
    `  started  ${when(r.created_at)} by ${r.created_by}${r.ended_at ? `, ended ${when(r.ended_at)}` : ""}`,
    ...reasonLines(r),
    ...r.approvals.map((a) => `  approved step ${a.step + 1} by ${a.by}${a.ticket ? ` (${a.ticket})` : ""} at ${when(a.at)}`),
    `  moved ${r.nodes.length}, control ${r.control.length}`,
  ].join("\n");
  const nodes =
    r.nodes.length === 0
      ? ""
      : "\n" +
        table(
          ["NODE", "STEP", "MOVED", "HEALTH", "LAST RUN"],
          r.nodes.map((n) => [n.certname, String(n.step + 1), when(n.moved_at), n.health, n.last_run ? `${n.last_run.status} ${when(n.last_run.at)}` : ""]),
        );
  return `${head}\n${nodes}`;
}

function printDetail(args: ParsedArgs, r: RolloutDetailJson): number {
  print(args, r, () => detailText(r));
  // A script that started or steered a rollout can tell a failed one by the exit status.
  return r.state === "rolled-back" || r.state === "aborted" ? 1 : 0;
}

function action(name: "pause" | "resume" | "abort" | "rollback", summary: string): Subcommand {
  return {
    usage: `rollout ${name} ID [--json]`,
    summary,
    flags: { ...CONNECTION_FLAGS, ...JSON_FLAG },
    positionals: [1, 1],
    async run(args) {
      const r = await new ApiClient(resolveConnection(args)).post<RolloutDetailJson>(`/rollouts/${encodeURIComponent(args.positionals[0])}/${name}`);
      print(args, r, () => detailText(r));
      return 0;
    },
  };
}

export const rolloutCommands: Record<string, Subcommand> = {
  "rollout start": {
    usage: "rollout start --env ENV [--release VERSION] [--force] [--override-freeze REASON] [--json]",
    summary: "roll a release (default: the newest kept) out to an environment in the steps of its strategy; --force starts a release rolled back there before",
    flags: {
      ...CONNECTION_FLAGS,
      env: { type: "string", value: "ENV", help: "the environment to roll out to (its strategy in ancla.yaml gives the steps)" },
      release: { type: "string", value: "VERSION", help: "the release: its version, first characters or git commit (default: the newest kept)" },
      force: { type: "boolean", help: "start a release that was rolled back in this environment" },
      "override-freeze": { type: "string", value: "REASON", help: "start although a spent error budget freezes the environment (admin; the reason is audited)" },
      ...JSON_FLAG,
    },
    positionals: [0, 0],
    async run(args) {
      const environment = str(args, "env");
      if (!environment) throw usageError("rollout start needs --env ENV");
      const body = {
        environment,
        ...(str(args, "release") ? { release: str(args, "release") } : {}),
        ...(bool(args, "force") ? { force: true } : {}),
        ...(str(args, "override-freeze") ? { override_freeze: str(args, "override-freeze") } : {}),
      };
      return printDetail(args, await new ApiClient(resolveConnection(args)).post<RolloutDetailJson>("/rollouts", body));
    },
  },
  "rollout status": {
    usage: "rollout status [ID] [--json]",
    summary: "one rollout (default: the newest): its state, steps, moved nodes with their health, and why it stopped if it did",
    flags: { ...CONNECTION_FLAGS, ...JSON_FLAG },
    positionals: [0, 1],
    async run(args) {
      const client = new ApiClient(resolveConnection(args));
      let id = args.positionals[0];
      if (id === undefined) {
        const { rollouts } = await client.get<{ rollouts: RolloutJson[] }>("/rollouts?limit=1");
        if (rollouts.length === 0) {
          print(args, null, () => "no rollouts yet: `ancla rollout start --env ENV` starts one\n");
          return 0;
        }
        id = rollouts[0].id;
      }
      return printDetail(args, await client.get<RolloutDetailJson>(`/rollouts/${encodeURIComponent(id)}`));
    },
  },
  "rollout list": {
    usage: "rollout list [--env ENV] [--json]",
    summary: "rollouts, newest first",
    flags: { ...CONNECTION_FLAGS, env: { type: "string", value: "ENV", help: "only rollouts into this environment" }, ...JSON_FLAG },
    positionals: [0, 0],
    async run(args) {
      const env = str(args, "env");
      const { rollouts } = await new ApiClient(resolveConnection(args)).get<{ rollouts: RolloutJson[] }>(`/rollouts${env ? `?environment=${encodeURIComponent(env)}` : ""}`);
      print(args, { rollouts }, () =>
        rollouts.length === 0
          ? "no rollouts yet\n"
          : table(
              ["ID", "ENVIRONMENT", "STATE", "STEP", "RELEASE", "STARTED"],
              rollouts.map((r) => [r.id, r.environment, r.state, `${Math.min(r.step + 1, r.steps.length)}/${r.steps.length}`, shortVersion(r.to_release), when(r.created_at)]),
            ),
      );
      return 0;
    },
  },
  "rollout approve": {
    usage: "rollout approve ID [--ticket T] [--json]",
    summary: "approve the step a rollout waits at (not by whoever started it), with the change ticket",
    flags: { ...CONNECTION_FLAGS, ticket: { type: "string", value: "T", help: "the change ticket the approval is for" }, ...JSON_FLAG },
    positionals: [1, 1],
    async run(args) {
      const ticket = str(args, "ticket");
      const r = await new ApiClient(resolveConnection(args)).post<RolloutDetailJson>(`/rollouts/${encodeURIComponent(args.positionals[0])}/approve`, ticket ? { ticket } : {});
      print(args, r, () => detailText(r));
      return 0;
    },
  },
  "rollout pause": action("pause", "pause a rollout: nothing moves until it is resumed"),
  "rollout resume": action("resume", "resume a paused rollout where it was"),
  "rollout abort": action("abort", "end a rollout, every moved node back on the stable release (the target is not marked bad)"),
  "rollout rollback": action("rollback", "end a rollout, every moved node back on the stable release, and mark the target bad for the environment"),
};
