// Where everything of an agent lives inside its --state-dir. One place, so the
// run loop, bootstrap and the CLI agree on paths.
import { join } from "node:path";

export interface StateLayout {
  dir: string;
  certsDir: string;
  /** The agent's private key (mode 0600). */
  agentKey: string;
  agentCert: string;
  caCert: string;
  /** The newest revocation list of the CA the server sent (DER), verified again on every use. */
  crl: string;
  /** The last verified signed catalog envelope, applied when the server is away. */
  catalog: string;
  /** DesiredMemory plus the highest catalog serial seen. */
  memory: string;
  /** Queue of reports not yet delivered, one file per run. */
  reportsDir: string;
  /** Queued report files that could not be read, kept for a human to look at. */
  badReportsDir: string;
  /** Health batches not yet delivered (ReportHealth), one file per batch. */
  healthDir: string;
  badHealthDir: string;
  runLock: string;
  /** Contents the file provider replaced or removed, by SHA-256 (bounded). */
  bucket: string;
}

export function stateLayout(stateDir: string): StateLayout {
  const certsDir = join(stateDir, "certs");
  const reportsDir = join(stateDir, "reports");
  return {
    dir: stateDir,
    certsDir,
    agentKey: join(certsDir, "agent.key"),
    agentCert: join(certsDir, "agent.crt"),
    caCert: join(certsDir, "ca.crt"),
    crl: join(certsDir, "ca.crl"),
    catalog: join(stateDir, "catalog.json"),
    memory: join(stateDir, "memory.json"),
    reportsDir,
    badReportsDir: join(reportsDir, "bad"),
    healthDir: join(stateDir, "health"),
    badHealthDir: join(stateDir, "health", "bad"),
    runLock: join(stateDir, "run.lock"),
    bucket: join(stateDir, "bucket"),
  };
}
