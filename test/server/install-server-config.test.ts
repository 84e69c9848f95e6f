// /etc/ancla/server.yaml: the packaged file reads as the settings the service
// runs with; a typo or a wrong type is an error naming the file and key; and
// `ancla-server start --config` applies it, flags winning over it.
import t from "tap";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { initDataDir } from "../../server/cli/init.js";
import { readServerConfig } from "../../server/cli/config.js";
import { waitForRuntime } from "../../server/runtime.js";
import { freePort, ROOT } from "../helpers/processes.js";
import { tempDir } from "./_helpers.js";

t.test("the packaged server.yaml is the service's settings", async (t) => {
  t.same(readServerConfig(join(ROOT, "packaging/deb/ancla-server/server.yaml")), {
    dataDir: "/var/lib/ancla-server",
    grpc: "0.0.0.0:8140",
    http: "0.0.0.0:8141",
    agentPackage: "/usr/lib/ancla-server/packages/ancla-agent_amd64.deb",
  });
});

t.test("unknown keys, wrong types and broken YAML are errors naming the file and key; comments only is empty", async (t) => {
  const dir = tempDir(t);
  const file = join(dir, "server.yaml");
  const read = (text: string) => {
    writeFileSync(file, text);
    return () => readServerConfig(file);
  };
  t.throws(read("htpp: 0.0.0.0:8141\n"), { code: "ANCLA_E_CONFIG", message: /server\.yaml:1:1: unknown setting "htpp" \(known: data_dir, grpc, http, / });
  t.throws(read("report_retention_days: thirty\n"), { code: "ANCLA_E_CONFIG", message: /report_retention_days must be a whole number, got "thirty"/ });
  t.throws(read("report_retention_days: -1\n"), { code: "ANCLA_E_CONFIG" });
  t.throws(read("grpc: 8140\n"), { code: "ANCLA_E_CONFIG", message: /grpc must be a non-empty string/ });
  t.throws(read("- a list\n"), { code: "ANCLA_E_CONFIG", message: /expected a mapping/ });
  t.throws(read("grpc: [unclosed\n"), { code: "ANCLA_E_CONFIG", message: /cannot read .*server\.yaml/ });
  t.throws(() => readServerConfig(join(dir, "absent.yaml")), { code: "ANCLA_E_CONFIG", message: /ENOENT/ });
  // A zero here was refused only at start, by a message that blamed server.json.
  t.throws(read("unresponsive_after_minutes: 0\n"), { code: "ANCLA_E_CONFIG", message: `${file}:1:29: unresponsive_after_minutes must be a whole number from 1, got 0` });
  t.same(read("# nothing set\n#grpc: 0.0.0.0:8140\n")(), {});
});

t.test("ancla-server start --config: the file's settings apply, a flag wins over the file", async (t) => {
  const dir = tempDir(t);
  const dataDir = join(dir, "data");
  await initDataDir({ dataDir, hostname: "localhost" });
  const [grpcFromFile, grpcFromFlag] = [await freePort(), await freePort()];
  const config = join(dir, "server.yaml");
  writeFileSync(config, `data_dir: ${dataDir}\ngrpc: 127.0.0.1:${grpcFromFile}\nhttp: 127.0.0.1:0\n`);
  const child = spawn(process.execPath, [join(ROOT, "dist/server/cli/main.js"), "start", "--config", config, "--grpc", `127.0.0.1:${grpcFromFlag}`], {
    stdio: "ignore",
    env: { ...process.env, ANCLA_LOG_LEVEL: "warn" },
  });
  t.teardown(() => void child.kill("SIGTERM"));
  const runtime = await waitForRuntime(dataDir, child);
  t.equal(runtime.grpc, `127.0.0.1:${grpcFromFlag}`, "--grpc wins over the file");
  t.match(runtime.url, /^https:\/\/127\.0\.0\.1:\d+$/, "the file's http (port 0) wins over server.json's 127.0.0.1:8141");
  t.not(runtime.url, "https://127.0.0.1:8141");
});
