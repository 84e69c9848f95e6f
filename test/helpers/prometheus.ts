// A real Prometheus (Debian's package; .ci/run installs it) for the tests:
// its own config and data in a temp dir, listening on a loopback port,
// scraping the loopback targets given every second, stopped by the test
// that started it.
import type { Test } from "tap";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./processes.js";

export interface Prometheus {
  /** Its base URL, as an analysis check's `address` takes it. */
  address: string;
  /** Waits until every target has been scraped with the metric present. */
  scraped(metric: string, series: number): Promise<void>;
}

/** An Ancla server's /metrics, scraped over TLS with a viewer token as docs/operations.md says. */
export interface AnclaTarget {
  /** HOST:PORT of its HTTPS API (by hostname, for TLS). */
  target: string;
  caFile: string;
  token: string;
}

export interface PrometheusOptions {
  /** The loopback port to listen on (a free one when absent). */
  port?: number;
  ancla?: AnclaTarget;
}

export async function startPrometheus(t: Test, targets: string[], opts: PrometheusOptions = {}): Promise<Prometheus> {
  // Its own dir: t.testdir() would empty the test's, which may hold a server's data.
  const dir = mkdtempSync(join(tmpdir(), "ancla-prometheus-"));
  const port = opts.port ?? (await freePort());
  const config = join(dir, "prometheus.yml");
  // honor_labels: the apps label their series with the node they stand for, as an exporter on each host would.
  const jobs = [`  - job_name: app\n    honor_labels: true\n    static_configs: [{ targets: ${JSON.stringify(targets)} }]\n`];
  if (opts.ancla) {
    const a = opts.ancla;
    jobs.push(
      `  - job_name: ancla\n    scheme: https\n    tls_config: { ca_file: ${JSON.stringify(a.caFile)} }\n    authorization: { credentials: ${JSON.stringify(a.token)} }\n    static_configs: [{ targets: [${JSON.stringify(a.target)}] }]\n`,
    );
  }
  writeFileSync(config, `global: { scrape_interval: 1s, evaluation_interval: 1s }\nscrape_configs:\n${jobs.join("")}`);
  const child = spawn("prometheus", [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  t.teardown(async () => {
    child.kill("SIGTERM");
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once("exit", resolve)));
    rmSync(dir, { recursive: true, force: true });
  });
  const address = `http://127.0.0.1:${port}`;
  await until(
    async () => (await fetch(`${address}/-/ready`).catch(() => undefined))?.ok === true,
    30_000,
    () => `Prometheus did not get ready: ${stderr}`,
  );
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
