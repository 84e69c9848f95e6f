// One compile worker of the pool (compile-pool.ts): compiles nodes of the site
// on its own thread and heap, so that a site that loops or balloons costs this
// worker, which the pool ends, and never the server's event loop.
import { parentPort, workerData } from "node:worker_threads";
import { createSiteCompiler } from "../../catalog/site/compiler.js";
import { ArtifactStore } from "../artifacts/store.js";
import type { CompileReply, CompileRequest, CompileWorkerData } from "./compile-pool.js";

const data = workerData as CompileWorkerData;
// A connection of the worker's own: `artifact: NAME@VERSION` is looked up as the compile meets it.
const artifacts = data.artifacts && new ArtifactStore(data.artifacts.dir, data.artifacts.databaseFile);
const compiler = createSiteCompiler(data.siteDir, { artifacts: artifacts && ((name, version) => artifacts.lookup(name, version)?.sha256) });

parentPort!.on("message", (request: CompileRequest) => {
  void compile(request).then((reply) => parentPort!.postMessage(reply));
});
parentPort!.postMessage({ ready: true } satisfies CompileReply);

async function compile({ certname, facts, at }: CompileRequest): Promise<CompileReply> {
  try {
    return { result: await compiler.compile(certname, facts, at) };
  } catch (err) {
    return { error: (err as Error).stack ?? String(err) };
  }
}
