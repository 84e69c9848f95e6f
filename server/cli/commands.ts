// The ancla-server commands, a table apart from main.ts so the package's
// manual page is rendered from the same table `--help` prints.
import { userInfo } from "node:os";
import { JSON_FLAG, str, bool, usageError, type FlagSpec, type Subcommand } from "../../core/cli.js";
import { rotateSigningKey } from "../ca/signing-key-rotation.js";
import { DEFAULT_DATA_DIR } from "../datadir.js";
import { readServerConfig } from "./config.js";
import { wholeNumberFlag } from "./flags.js";
import { caFingerprint } from "./fingerprint.js";
import { initDataDir } from "./init.js";
import { startServer } from "./start.js";

const DATA_DIR = { "data-dir": { type: "string", value: "DIR", help: `the server's data dir: CA, keys, database (default ${DEFAULT_DATA_DIR})` } } as const satisfies FlagSpec;

export const serverCommands: Record<string, Subcommand> = {
  init: {
    usage: "init --data-dir DIR [--site DIR] [--hostname NAME] [--json]",
    summary: "create the CA, server certificate, catalog-signing key and first admin token",
    flags: {
      ...DATA_DIR,
      site: { type: "string", value: "DIR", help: "the site the server compiles from (default: DIR/site, created with an example)" },
      hostname: { type: "string", value: "NAME", help: "the name agents reach the server by, in its certificate (default: this host's name)" },
      ...JSON_FLAG,
    },
    async run(args) {
      const result = await initDataDir({ dataDir: str(args, "data-dir") ?? DEFAULT_DATA_DIR, site: str(args, "site"), hostname: str(args, "hostname") });
      if (bool(args, "json")) {
        process.stdout.write(JSON.stringify(result) + "\n");
      } else {
        process.stdout.write(
          [
            `Initialised ${result.dataDir} (site: ${result.site}, hostname: ${result.hostname})`,
            `CA fingerprint: ${result.caFingerprint}`,
            `Admin token:    ${result.adminToken}`,
            "Agents pin the CA fingerprint: ancla-agent bootstrap --server HOST:8140 --ca-fingerprint <fingerprint> --token <bootstrap token>",
          ].join("\n") + "\n",
        );
      }
      return 0;
    },
  },
  fingerprint: {
    usage: "fingerprint --data-dir DIR [--json]",
    summary: "print the CA fingerprint agents pin (--ca-fingerprint), whole: SHA256:AB:CD:…",
    flags: { ...DATA_DIR, ...JSON_FLAG },
    async run(args) {
      const result = caFingerprint(str(args, "data-dir") ?? DEFAULT_DATA_DIR);
      process.stdout.write((bool(args, "json") ? JSON.stringify(result) : result.caFingerprint) + "\n");
      return 0;
    },
  },
  "signing-key": {
    usage: "signing-key rotate --data-dir DIR [--json]",
    summary: "make a new catalog-signing key and revoke the old certificate; agents refuse what the old key signed from their next check-in (a running server is told by SIGHUP)",
    flags: { ...DATA_DIR, ...JSON_FLAG },
    positionals: [1, 1],
    async run(args) {
      if (args.positionals[0] !== "rotate") throw usageError(`ancla-server signing-key: the one action is rotate, not ${JSON.stringify(args.positionals[0])}`);
      const result = await rotateSigningKey(str(args, "data-dir") ?? DEFAULT_DATA_DIR, `${userInfo().username} (ancla-server signing-key rotate)`);
      if (bool(args, "json")) process.stdout.write(JSON.stringify(result) + "\n");
      else {
        const reload = result.serverReloaded ? "the running server signs with the new key now" : "no server is running: it signs with the new key when it starts";
        process.stdout.write(`revoked signing certificate ${result.revokedSerial}; new signing certificate ${result.serial}, valid until ${result.notAfter}; ${reload}\n`);
      }
      return 0;
    },
  },
  start: {
    usage: "start [--config FILE] --data-dir DIR [--grpc HOST:PORT] [--http HOST:PORT] [--report-retention-days N] [--unresponsive-after MINUTES] [--agent-package FILE] [--max-artifact-bytes N]",
    summary:
      "serve agents (mTLS gRPC, default 0.0.0.0:8140) and the API (HTTPS, default 127.0.0.1:8141); reports are kept 30 days (0: forever); --agent-package: the agent .deb hosts install from /install.sh; --max-artifact-bytes: the largest artifact push (default 2 GiB); flags win over --config (YAML)",
    flags: {
      config: { type: "string", value: "FILE", help: "settings as YAML (/etc/ancla/server.yaml in the package); flags win over it" },
      ...DATA_DIR,
      "agent-package": { type: "string", value: "FILE", help: "the agent .deb hosts install from /install.sh" },
      grpc: { type: "string", value: "HOST:PORT", help: "where agents connect, mutual-TLS gRPC (default 0.0.0.0:8140)" },
      http: { type: "string", value: "HOST:PORT", help: "the HTTPS API, dashboard and installer (default 127.0.0.1:8141)" },
      "report-retention-days": { type: "string", value: "N", help: "days a run report is kept, each node's latest regardless (default 30; 0: forever)" },
      "unresponsive-after": { type: "string", value: "MINUTES", help: "silence after which a node is unresponsive (default 90)" },
      "max-artifact-bytes": { type: "string", value: "N", help: "the largest artifact push (default 2 GiB)" },
    },
    async run(args) {
      const configFile = str(args, "config");
      const config = configFile === undefined ? {} : readServerConfig(configFile);
      const server = await startServer({
        dataDir: str(args, "data-dir") ?? config.dataDir ?? DEFAULT_DATA_DIR,
        grpc: str(args, "grpc") ?? config.grpc,
        http: str(args, "http") ?? config.http,
        reportRetentionDays: wholeNumberFlag(args, "report-retention-days", 0) ?? config.reportRetentionDays,
        unresponsiveAfterMinutes: wholeNumberFlag(args, "unresponsive-after", 1) ?? config.unresponsiveAfterMinutes,
        agentPackage: str(args, "agent-package") ?? config.agentPackage,
        publicAddress: config.publicAddress,
        limits: { ...config.limits, maxArtifactBytes: wholeNumberFlag(args, "max-artifact-bytes", 1) ?? config.limits?.maxArtifactBytes },
      });
      await new Promise<void>((resolve) => {
        process.once("SIGTERM", resolve);
        process.once("SIGINT", resolve);
      });
      await server.stop();
      return 0;
    },
  },
};
