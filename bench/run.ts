// `npm run bench`: every benchmark, printed as a table and as one JSON line
// (so results can be compared between commits). Never part of `npm test`.
import { benchCheckins } from "./checkins.js";

const agents = Number(process.env.ANCLA_BENCH_AGENTS ?? 200);
const rounds = Number(process.env.ANCLA_BENCH_ROUNDS ?? 5);
const roundSeconds = Number(process.env.ANCLA_BENCH_ROUND_SECONDS ?? 3);

const results = await benchCheckins({ agents, rounds, roundSeconds });
process.stdout.write(`check-ins: ${agents} simulated agents (100-resource catalogs), median of ${rounds} rounds of ${roundSeconds}s, server and agents share this machine\n`);
for (const [name, value] of Object.entries(results)) process.stdout.write(`  ${name.padEnd(28)} ${Number.isInteger(value) ? value : value.toFixed(3)}\n`);
process.stdout.write(JSON.stringify({ bench: "checkins", ...results }) + "\n");
