// `ancla release list|show VERSION`: the site versions the server kept, which
// rollouts move nodes between, and what one of them holds.
import { JSON_FLAG, usageError, type Subcommand } from "../../core/cli.js";
import { shortVersion } from "../releases/version.js";
import { ApiClient } from "./client.js";
import { CONNECTION_FLAGS, resolveConnection } from "./connection.js";
import { print, table, when } from "./output.js";
import type { ReleaseDetailJson, ReleaseJson } from "../http/routes/releases.js";

// The rollout commands import it from here too.
export { shortVersion };

export const releaseCommands: Record<string, Subcommand> = {
  "release list": {
    usage: "release list [--json]",
    summary: "the site versions the server kept (each one it compiled from), newest first, with the git commit and subject when the site is a repository",
    flags: { ...CONNECTION_FLAGS, ...JSON_FLAG },
    positionals: [0, 0],
    async run(args) {
      const { releases } = await new ApiClient(resolveConnection(args)).get<{ releases: ReleaseJson[] }>("/releases");
      print(args, { releases }, () =>
        releases.length === 0
          ? "no releases yet: the server keeps one when an agent first checks in on a site version\n"
          : table(
              ["RELEASE", "SEEN", "FILES", "COMMIT SUBJECT"],
              releases.map((r) => [shortVersion(r.version), when(r.first_seen_at), String(r.files), r.subject ?? ""]),
            ),
      );
      return 0;
    },
  },
  "release show": {
    usage: "release show VERSION [--json]",
    summary: "one release: its version, labels and files (VERSION as `release list --json` prints it, or its first characters)",
    flags: { ...CONNECTION_FLAGS, ...JSON_FLAG },
    positionals: [1, 1],
    async run(args) {
      const client = new ApiClient(resolveConnection(args));
      const version = await resolveVersion(client, args.positionals[0]);
      const release = await client.get<ReleaseDetailJson>(`/releases/${encodeURIComponent(version)}`);
      print(args, release, () => {
        const head = [
          `release ${release.version}`,
          `  first seen ${when(release.first_seen_at)}, ${release.files} files, ${release.bytes} bytes`,
          ...(release.commit ? [`  commit ${release.commit}${release.author ? ` by ${release.author}` : ""}`, `  ${release.subject ?? ""}`] : []),
        ].join("\n");
        return `${head}\n${table(
          ["MODE", "SIZE", "SHA256", "PATH"],
          release.manifest.map((f) => [f.mode, String(f.size), f.sha256.slice(0, 16), f.link ? `${f.path} -> ${f.link}` : f.path]),
        )}`;
      });
      return 0;
    },
  },
};

/** The whole version for what was typed: itself, or the one kept release whose version or short form starts with it. */
async function resolveVersion(client: ApiClient, typed: string): Promise<string> {
  const { releases } = await client.get<{ releases: ReleaseJson[] }>("/releases");
  if (releases.some((r) => r.version === typed)) return typed;
  const matches = releases.filter((r) => [r.version, shortVersion(r.version), r.commit ?? ""].some((v) => v !== "" && v.startsWith(typed)));
  if (matches.length === 1) return matches[0].version;
  if (matches.length > 1) throw usageError(`release ${typed} is ambiguous: ${matches.map((r) => shortVersion(r.version)).join(", ")}`);
  return typed;
}
