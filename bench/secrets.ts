// Secrets benchmark, in-process on one core, side by side in one run:
//   1. the 1,000-resource catalog of bench/compile.ts compiled without
//      secrets, and with 50 (50 resources each using its own), the latter
//      including what the server does to deliver them: each value revealed
//      through the local KMS from a real SQLite store and sealed to the node's
//      key (one RSA-OAEP wrap, 50 AES-GCM seals). Alternated, medians; the
//      ratio is the target (< 2×).
//   2. the agent's side: the 50 values opened with the node's key (one RSA
//      private-key operation, 50 AES-GCM opens) and put in place in the
//      resources, median ms (target < 20 ms).
import { createPublicKey } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveSecrets } from "../agent/engine/secrets.js";
import type { Catalog } from "../catalog/model.js";
import type { SecretDirectory } from "../catalog/secrets/directory.js";
import { createSiteCompiler } from "../catalog/site/create-site-compiler.js";
import { generateKeyPair, publicKeySha256 } from "../pki/keys.js";
import { LocalKms } from "../server/secrets/local-kms.js";
import { SecretService } from "../server/secrets/service.js";
import { openStore } from "../server/store/index.js";
import { facts, percentile, writeGeneratedSite } from "./compile.js";

const MODULES = 10;
const PER_MODULE = 5;

export async function benchSecrets(opts: { repeats: number }): Promise<Record<string, number>> {
  const base = mkdtempSync(join(tmpdir(), "ancla-bench-secrets-"));
  const store = openStore(join(base, "ancla.db"));
  try {
    const plainSite = join(base, "plain");
    const secretSite = join(base, "secret");
    writeGeneratedSite(plainSite, MODULES);
    writeGeneratedSite(secretSite, MODULES, PER_MODULE);
    const secrets = new SecretService(store, new LocalKms(join(base, "kms"), { createFirst: true }));
    for (let m = 0; m < MODULES; m++) {
      for (let i = 0; i < PER_MODULE; i++) await secrets.set({ name: `s_mod${m}_${i}`, value: Buffer.from(`password-${m}-${i}-${"x".repeat(24)}`) }, "bench");
    }
    const directory: SecretDirectory = await secrets.directory();
    const node = generateKeyPair();
    const nodeKey = createPublicKey(node.publicKeyPem);
    const plain = createSiteCompiler(plainSite);
    const withSecrets = createSiteCompiler(secretSite);

    const compilePlain = async (i: number) => {
      const r = await plain.compile(`big-node-${i}`, facts(i));
      if (!r.ok) throw new Error("the site without secrets does not compile");
    };
    let catalog: Catalog | undefined;
    const compileSealed = async (i: number) => {
      const certname = `big-node-${i}`;
      const r = await withSecrets.compile(certname, facts(i), { secrets: directory });
      if (!r.ok || r.secrets?.length !== MODULES * PER_MODULE) throw new Error(`the site with secrets does not compile to ${MODULES * PER_MODULE} uses`);
      const sealed = await secrets.sealFor(certname, nodeKey, r.secrets);
      catalog = { apiVersion: "ancla/v1", ...r.body, secrets: { sealedTo: publicKeySha256(nodeKey), uses: r.secrets }, serial: 1, digest: "", compiledAt: "", expiresAt: "", sealed };
    };
    await compilePlain(0);
    await compileSealed(0);

    const plainMs: number[] = [];
    const sealedMs: number[] = [];
    for (let i = 1; i <= opts.repeats; i++) {
      // Alternated, so that a noisy moment costs both sides alike.
      let t0 = performance.now();
      await compilePlain(i);
      plainMs.push(performance.now() - t0);
      t0 = performance.now();
      await compileSealed(i);
      sealedMs.push(performance.now() - t0);
    }

    const openMs: number[] = [];
    for (let i = 0; i < opts.repeats; i++) {
      const t0 = performance.now();
      const { resources } = await resolveSecrets(catalog!, node.privateKeyPem);
      openMs.push(performance.now() - t0);
      if (resources.some((r) => r.blocked)) throw new Error("a secret did not open");
    }
    const plainP50 = percentile(plainMs, 0.5);
    const sealedP50 = percentile(sealedMs, 0.5);
    return {
      catalog_resources: catalog!.resources.length,
      secrets: catalog!.secrets!.uses.length,
      compile_plain_p50_ms: plainP50,
      compile_with_secrets_and_sealing_p50_ms: sealedP50,
      compile_ratio: sealedP50 / plainP50,
      agent_open_50_p50_ms: percentile(openMs, 0.5),
      agent_open_50_p90_ms: percentile(openMs, 0.9),
    };
  } finally {
    store.close();
    rmSync(base, { recursive: true, force: true });
  }
}
