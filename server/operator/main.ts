#!/usr/bin/env node
// `ancla`: the operator CLI. It talks to the server's HTTPS API; see
// connection.ts for where it finds the URL, token and CA.
import { runCli } from "../../proto/cli.js";
import { artifactCommands } from "./artifact.js";
import { releaseCommands } from "./release.js";
import { catalogCommands } from "./catalog.js";
import { certCommands } from "./cert.js";
import { driftCommands } from "./drift.js";
import { installCommandCommands } from "./install-command.js";
import { nodeCommands } from "./nodes.js";
import { reportCommands } from "./report.js";
import { runCommands } from "./run.js";
import { rolloutCommands } from "./rollout.js";
import { siteCommands } from "./site.js";
import { tokenCommands } from "./token.js";

const globalFlags = {
  "--url URL": "the server's API (or ANCLA_URL; on the server host: from --data-dir)",
  "--token TOKEN": "an API token (or ANCLA_TOKEN; on the server host: the admin token in --data-dir)",
  "--ca-file FILE": "the server's CA certificate (or ANCLA_CA_FILE)",
  "--data-dir DIR": "the server's data dir, for all three on the server host (default /var/lib/ancla-server)",
  "--json": "print the API's objects instead of tables, where a command has output",
};

await runCli(
  "ancla",
  { ...certCommands, ...tokenCommands, ...nodeCommands, ...driftCommands, ...reportCommands, ...siteCommands, ...catalogCommands, ...artifactCommands, ...releaseCommands, ...rolloutCommands, ...runCommands, ...installCommandCommands },
  { globalFlags },
);
