#!/usr/bin/env node
// `ancla`: the operator CLI. It talks to the server's HTTPS API; see
// connection.ts for where it finds the URL, token and CA.
import { JSON_FLAG, runCli } from "../../core/cli.js";
import { CONNECTION_FLAGS } from "./connection.js";
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
import { analysisCommands } from "./analysis.js";
import { secretCommands } from "./secret.js";
import { siteCommands } from "./site.js";
import { tokenCommands } from "./token.js";

await runCli(
  "ancla",
  {
    ...certCommands,
    ...tokenCommands,
    ...nodeCommands,
    ...driftCommands,
    ...reportCommands,
    ...siteCommands,
    ...catalogCommands,
    ...artifactCommands,
    ...releaseCommands,
    ...rolloutCommands,
    ...analysisCommands,
    ...secretCommands,
    ...runCommands,
    ...installCommandCommands,
  },
  { globalFlags: { ...CONNECTION_FLAGS, ...JSON_FLAG } },
);
