#!/usr/bin/env node
// ancla-server: init a data dir, start serving.
import { runCli } from "../../core/cli.js";
import { serverCommands } from "./commands.js";

await runCli("ancla-server", serverCommands);
