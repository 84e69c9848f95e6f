// A real Prometheus (Debian's package; .ci/run installs it) for the tests:
// its own config and data in a temp dir, listening on a loopback port,
// scraping the loopback targets given every second, stopped by the test
// that started it.
import type { Test } from "tap";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

export interface Prometheus {
  /** Its base URL, as an analysis check's `address` takes it. */
  address: string;
  /** Waits until every target has been scraped with the metric present. */
  scraped(metric: string, series: number): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startPrometheus(t: Test, targets: string[]): Promise<Prometheus> {
  const dir = t.testdir({});
  const port = await freePort();
  const config = join(dir, "prometheus.yml");
  // honor_labels: the apps label their series with the node they stand for, as an exporter on each host would.
  writeFileSync(config, `global: { scrape_interval: 1s, evaluation_interval: 1s }\nscrape_configs:\n  - job_name: app\n    honor_labels: true\n    static_configs: [{ targets: ${JSON.stringify(targets)} }]\n`);
  const child = spawn("prometheus", [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  t.teardown(() => {
    child.kill("SIGTERM");
    return new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once("exit", resolve)));
  });
  const address = `http://127.0.0.1:${port}`;
  await until(async () => (await fetch(`${address}/-/ready`).catch(() => undefined))?.ok === true, 30_000, () => `Prometheus did not get ready: ${stderr}`);
  return {
    address,
    scraped: (metric, series) =>
      until(
        async () => {
          const res = await fetch(`${address}/api/v1/query?${new URLSearchParams({ query: metric })}`);
          const body = (await res.json()) as { data?: { result?: unknown[] } };
          return (body.data?.result?.length ?? 0) >= series;
        },
        30_000,
        () => `Prometheus did not scrape ${metric} from ${targets.join(", ")}`,
      ),
  };
}

async function until(ready: () => Promise<boolean>, timeoutMs: number, why: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(why());
    await new Promise((r) => setTimeout(r, 200));
  }
}
