// `ancla install-command`: the one line to paste, as root, on a Debian host to
// install the agent from this server and enrol it. It creates a bootstrap
// token and pins the server's TLS public key, so the script is trusted before
// anything runs: curl refuses another key before it sends or receives a byte
// (-k only skips the CA check, as the host does not know Ancla's CA yet), and
// the script is saved to a file and run only once fully downloaded (a pipe
// into sh would run half a script, and hide a refused download behind sh's 0).
import { JSON_FLAG, bool, parseDuration, str, usageError, type Subcommand } from "../../core/cli.js";
import { AnclaError } from "../../core/errors.js";
import { ApiClient, ApiError } from "./client.js";
import { CONNECTION_FLAGS, resolveConnection } from "./connection.js";
import type { InstallInfoJson } from "../http/routes/install.js";

export interface InstallCommandParts {
  /** https://HOST:PORT the host fetches from. */
  origin: string;
  pin: string;
  token: string;
}

const SHELL_SAFE = /^[A-Za-z0-9_.:/+=[\]-]+$/;

/** The one-liner; every value is checked to be free of shell syntax before it is quoted in. */
export function installCommandLine({ origin, pin, token }: InstallCommandParts): string {
  for (const [what, value] of Object.entries({ origin, pin, token })) {
    if (!SHELL_SAFE.test(value)) throw usageError(`install-command: the ${what} ${JSON.stringify(value)} cannot go into a shell command`);
  }
  const refused = `echo 'ancla: ${origin} did not answer with the pinned key (not the server this command was made for?); nothing was installed' >&2; false`;
  return `(f=$(mktemp) && trap 'rm -f "$f"' EXIT && { curl -fsS -k --pinnedpubkey '${pin}' -o "$f" '${origin}/install.sh' || { ${refused}; }; } && sh "$f" --token '${token}')`;
}

export const installCommandCommands: Record<string, Subcommand> = {
  "install-command": {
    usage: "install-command [--token-ttl 1h] [--reusable] [--host NAME[:PORT]] [--json]",
    summary: "print the command that installs the agent on a Debian host from this server and enrols it (pins the server's key; creates a bootstrap token)",
    flags: {
      ...CONNECTION_FLAGS,
      "token-ttl": { type: "string", default: "1h", value: "DURATION", help: "how long the bootstrap token in the command is valid (default 1h, at most 7d)" },
      reusable: { type: "boolean", help: "a token that enrols several hosts (default: one host)" },
      host: { type: "string", value: "NAME", help: "the host's certname: the token is valid for it alone" },
      ...JSON_FLAG,
    },
    async run(args) {
      const conn = resolveConnection(args);
      const client = new ApiClient(conn);
      const info = await installInfo(client);
      const origin = `https://${hostFor(str(args, "host"), info.hostname, new URL(conn.url).port || "443")}`;
      const created = await client.post<{ token: string; id: string; expires_at: string; one_time: boolean }>("/tokens", {
        ttl_seconds: parseDuration(str(args, "token-ttl") ?? "1h"),
        one_time: !bool(args, "reusable"),
      });
      const command = installCommandLine({ origin, pin: info.pin, token: created.token });
      if (bool(args, "json")) {
        process.stdout.write(
          JSON.stringify({ command, origin, pin: info.pin, ca_fingerprint: info.ca_fingerprint, agent_package: info.agent_package, token_id: created.id, expires_at: created.expires_at }, null, 2) +
            "\n",
        );
      } else {
        process.stdout.write(command + "\n");
        process.stderr.write(
          `Run it as root on the host (Debian, with curl). It fetches ${origin}/install.sh pinned to ${info.pin}; the agent enrols with CA ${info.ca_fingerprint}.\n` +
            `Bootstrap token ${created.id}: ${created.one_time ? "one host" : "any number of hosts"}, expires ${created.expires_at}.\n`,
        );
      }
      return 0;
    },
  },
};

/**
 * The server's install details. A server started without an agent package has
 * no install routes at all: say that and how to give it one, not "no route".
 */
async function installInfo(client: ApiClient): Promise<InstallInfoJson> {
  try {
    return await client.get<InstallInfoJson>("/install");
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
    throw new AnclaError(
      "ANCLA_E_NOT_FOUND",
      "this server offers no agent package to install: start it with --agent-package FILE (or agent_package: in server.yaml), e.g. the dist/packages/ancla-agent_*.deb that `npm run package` builds; the ancla-server .deb offers its own",
    );
  }
}

/** --host as given (a port added when missing), else the certificate's name with the API's port. */
function hostFor(flag: string | undefined, certName: string, apiPort: string): string {
  if (flag === undefined) return `${certName}:${apiPort}`;
  if (flag === "" || flag.includes("/")) throw usageError(`--host ${flag}: expected NAME or NAME:PORT`);
  return /:\d+$/.test(flag) && !flag.endsWith("]") ? flag : `${flag}:${apiPort}`;
}
