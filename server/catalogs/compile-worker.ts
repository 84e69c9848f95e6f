// One compile worker of the pool (compile-pool.ts): compiles nodes of the site
// on its own thread and heap, so that a site that loops or balloons costs this
// worker, which the pool ends, and never the server's event loop.
import { parentPort, workerData } from "node:worker_threads";
import { SecretDirectory } from "../../catalog/secrets/directory.js";
import { createSiteCompiler } from "../../catalog/site/create-site-compiler.js";
import { openStore } from "../store/sqlite/index.js";
import type { CompileReply, CompileRequest, CompileWorkerData } from "./compile-pool.js";

const data = workerData as CompileWorkerData;
// A store of the worker's own (a thread cannot share the server's connection): `artifact: NAME@VERSION` is looked up as the compile meets it.
const store = data.artifacts && openStore(data.artifacts.databaseFile);
const compiler = createSiteCompiler(data.siteDir, { artifacts: store && (async (name, version) => (await store.artifacts.lookup(name, version))?.sha256) });

parentPort!.on("message", (request: CompileRequest) => {
  void compile(request).then((reply) => parentPort!.postMessage(reply));
});
parentPort!.postMessage({ ready: true } satisfies CompileReply);

/** The last list of secrets seen, as a directory: it changes only when a secret does. */
let directory: SecretDirectory | undefined;

async function compile({ certname, facts, at, secrets }: CompileRequest): Promise<CompileReply> {
  try {
    // The pool sends the list once per worker and digest.
    if (secrets?.list && directory?.digest !== secrets.digest) directory = new SecretDirectory(secrets.list);
    if (secrets && directory?.digest !== secrets.digest) return { error: `the pool sent secrets ${secrets.digest} without their list` };
    return { result: await compiler.compile(certname, facts, { at, secrets: secrets && directory }) };
  } catch (err) {
    return { error: (err as Error).stack ?? String(err) };
  }
}
