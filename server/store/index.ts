// The server's storage: the interface everything depends on, and its SQLite implementation.
export * from "./store.js";
export * from "./rollouts.js";
export * from "./health.js";
export { openStore } from "./sqlite/index.js";
export { migrate, migrations, type Migration } from "./sqlite/migrations.js";
