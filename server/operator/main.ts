#!/usr/bin/env node
// `ancla`: the operator CLI. It talks to the server's HTTPS API; see
// connection.ts for where it finds the URL, token and CA.
import { runCli } from "../../proto/cli.js";
import { artifactCommands } from "./artifact.js";
import { catalogCommands } from "./catalog.js";
import { certCommands } from "./cert.js";
import { driftCommands } from "./drift.js";
import { installCommandCommands } from "./install-command.js";
import { nodeCommands } from "./nodes.js";
import { reportCommands } from "./report.js";
import { siteCommands } from "./site.js";
import { tokenCommands } from "./token.js";

await runCli("ancla", { ...certCommands, ...tokenCommands, ...nodeCommands, ...driftCommands, ...reportCommands, ...siteCommands, ...catalogCommands, ...artifactCommands, ...installCommandCommands });
