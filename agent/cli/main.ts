#!/usr/bin/env node
// ancla-agent: the entry. Not awaited at the top level: the same entry bundles
// as CommonJS for the single executable, and runCli exits by itself.
import { runCli } from "../../core/cli.js";
import { commands } from "./commands.js";

void runCli("ancla-agent", commands);
