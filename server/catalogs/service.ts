// Answers a node's check-in: the signed catalog it should hold, or "not
// modified". Compiling is skipped when neither the site version nor the node's
// (non-volatile) facts changed since the last compile; signing is skipped when a
// compile gives the same body as the catalog already issued. Secrets its
// resources use are sealed to the node's certificate key each time it is
// signed; which versions went to which node at which serial is audited.
import { formatProblem, type CompileResult, type Facts, type ReleaseAt, type SiteCompiler } from "../../catalog/compile-seam.js";
import { bodyDigest, canonicalJson, sha256Hex } from "../../catalog/canonical.js";
import { withoutVolatileFacts } from "../../catalog/facts.js";
import { decodeEnvelope, encodeEnvelope } from "../../catalog/envelope.js";
import { CATALOG_PAYLOAD_TYPE, type Catalog, type CatalogBody } from "../../catalog/model.js";
import type { KeyObject } from "node:crypto";
import type { SecretDirectory } from "../../catalog/secrets/directory.js";
import type { SecretUse } from "../../catalog/secrets/markers.js";
import type { CertifiedKey } from "../../pki/ca.js";
import { publicKeySha256 } from "../../pki/keys.js";
import { signEnvelope, type DsseEnvelope } from "../../pki/dsse.js";
import { AnclaError } from "../../core/errors.js";
import type { Store } from "../store/store.js";
import type { ContentStore } from "./content-store.js";

/** The parts of the store this service needs. */
export type CatalogServiceStore = Pick<Store, "catalogs" | "nodes" | "transaction">;

export type CheckinAnswer = { notModified: true; digest: string } | { notModified: false; digest: string; envelope: DsseEnvelope };

export interface CatalogServiceOptions {
  ttlSeconds: number;
  now?: () => Date;
  /** Told each compile's wall time and outcome (server/metrics). */
  onCompiled?: (seconds: number, ok: boolean) => void;
  /**
   * How long a check-in waits for its node's compile when the node holds a
   * catalog still valid: past it, the check-in is answered with that last good
   * catalog and the compile finishes for the next one. Absent: it waits.
   */
  answerWithinMs?: number;
  /** Told a node answered with its last good catalog (answerWithinMs) once its new one is ready: it should check in again now. */
  onReadyLater?: (certname: string) => void;
  /** Told the site version of every check-in (server/releases keeps each new one); must return at once. */
  onSiteVersion?: (version: string) => void;
  /** Which release each node is compiled at (server/rollouts); absent: the site as it is now, for every node. */
  placement?: Placement;
  /** The server's secrets (server/secrets); absent: none exist. */
  secrets?: CatalogSecrets;
}

/** The part of server/secrets/service.ts this service needs. */
export interface CatalogSecrets {
  /** Every secret's name, version and scope (kept until one changes: cheap). */
  directory(): Promise<SecretDirectory>;
  /** The values of `uses`, sealed to `to` for `certname`. */
  sealFor(certname: string, to: KeyObject, uses: readonly SecretUse[]): Promise<NonNullable<Catalog["sealed"]>>;
  /** Destroys the versions no node's current catalog holds any more. */
  retireUnused(): Promise<unknown>;
}

/** What a node's compile reads besides the site: its facts, the secrets, and the key its catalog's secrets are sealed to. */
interface NodeInputs {
  facts: Facts;
  secrets?: SecretDirectory;
  key?: { object: KeyObject; kid: string };
}

/** The part of server/rollouts/placement.ts this service needs. */
export interface Placement {
  versionFor(certname: string, head: string): Promise<string>;
  learn(certname: string, environment: string): void;
  at(version: string, head: string): Promise<ReleaseAt | undefined>;
}

interface Issued {
  inputsKey: string;
  digest: string;
  envelope: DsseEnvelope;
  expiresAt: number;
  /** content digests the node may fetch */
  contents: Set<string>;
  /** Who signed it: a catalog signed before the signing certificate was renewed is signed again. */
  signerCertPem: string;
}

export class CatalogService {
  /** Last issued catalog per node, so unchanged check-ins touch neither the compiler nor the database. */
  private readonly issued = new Map<string, Issued>();
  /** The compile running per node: a check-in repeated meanwhile waits for it rather than starting another. */
  private readonly compiling = new Map<string, { inputsKey: string; issued: Promise<Issued> }>();
  /**
   * The last compile per node that failed, by its inputs: a compile is a
   * function of them, so the same check-in is refused again without running
   * it again (a site that loops would otherwise cost a worker its whole time
   * limit on every check-in of every node it loops for).
   */
  private readonly failed = new Map<string, { inputsKey: string; error: AnclaError }>();
  private readonly now: () => Date;
  /** Key ids by key: a connection's key object is the same on each of its check-ins. */
  private readonly kids = new WeakMap<KeyObject, string>();

  constructor(
    private readonly store: CatalogServiceStore,
    private readonly compiler: SiteCompiler,
    private signer: CertifiedKey,
    private readonly content: ContentStore,
    private readonly options: CatalogServiceOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Signs with `signer` from now on (a renewed signing certificate): each
   * node's catalog is signed again at its next check-in. An agent asks for
   * that copy itself when the signer of the one it holds nears its end.
   */
  setSigner(signer: CertifiedKey): void {
    this.signer = signer;
  }

  /** `nodeKey`: the key of the certificate the node called with (what its secrets are sealed to). */
  async checkin(certname: string, facts: Facts, haveDigest: string, nodeKey?: KeyObject): Promise<CheckinAnswer> {
    const head = await this.compiler.siteVersion();
    this.options.onSiteVersion?.(head);
    const siteVersion = this.options.placement ? await this.options.placement.versionFor(certname, head) : head;
    const inputs: NodeInputs = { facts, secrets: await this.options.secrets?.directory(), key: nodeKey && { object: nodeKey, kid: this.kidOf(nodeKey) } };
    const inputsKey = inputsKeyOf(siteVersion, inputs);
    const current = this.issued.get(certname) ?? (await this.loadIssued(certname));
    const fresh = current !== undefined && this.isFresh(current);
    if (current && fresh && current.inputsKey === inputsKey) return answer(current, haveDigest);
    const failed = this.failed.get(certname);
    if (failed?.inputsKey === inputsKey) throw failed.error;

    const compiling = this.compileOnce(certname, inputs, { head, version: siteVersion }, inputsKey);
    const waitMs = this.options.answerWithinMs;
    if (current && waitMs !== undefined && current.expiresAt > this.now().getTime()) {
      const issued = await within(compiling, waitMs);
      if (issued) return answer(issued, haveDigest);
      // Its outcome (a catalog or a recorded compile failure) is kept by compileAndIssue for the next check-in,
      // which a node waiting on its timer is asked to make at once when the catalog changed.
      compiling.then((issued) => issued.digest !== current.digest && this.options.onReadyLater?.(certname)).catch(() => undefined);
      return answer(current, haveDigest);
    }
    return answer(await compiling, haveDigest);
  }

  private kidOf(key: KeyObject): string {
    let kid = this.kids.get(key);
    if (!kid) this.kids.set(key, (kid = publicKeySha256(key)));
    return kid;
  }

  private compileOnce(certname: string, inputs: NodeInputs, at: CompileAt, inputsKey: string): Promise<Issued> {
    const running = this.compiling.get(certname);
    if (running?.inputsKey === inputsKey) return running.issued;
    const issued = this.compileAndIssue(certname, inputs, at).finally(() => {
      if (this.compiling.get(certname)?.issued === issued) this.compiling.delete(certname);
    });
    this.compiling.set(certname, { inputsKey, issued });
    return issued;
  }

  private async compileAndIssue(certname: string, inputs: NodeInputs, at: CompileAt): Promise<Issued> {
    let { version } = at;
    let result = await this.compileAt(certname, inputs, version, at.head);
    const placement = this.options.placement;
    if (placement && result.ok) {
      // The current site said where the node is: compiled at another release than that environment's, it is compiled again there.
      placement.learn(certname, result.currentEnvironment ?? result.environment);
      const placed = await placement.versionFor(certname, at.head);
      if (placed !== version) {
        version = placed;
        result = await this.compileAt(certname, inputs, version, at.head);
      }
    }
    const inputsKey = inputsKeyOf(version, inputs);
    if (!result.ok) {
      await this.store.catalogs.recordCompileFailure(certname, version, result.problems, this.now());
      const error = new AnclaError("ANCLA_E_COMPILE", `site ${version} does not compile for ${certname}: ${result.problems.length} problem(s), first: ${formatProblem(result.problems[0])}`);
      this.failed.set(certname, { inputsKey, error });
      throw error;
    }
    this.failed.delete(certname);
    await this.store.catalogs.clearCompileFailure(certname);
    await this.store.nodes.recordEnvironment(certname, result.currentEnvironment ?? result.environment);
    for (const [sha, bytes] of result.contents) await this.content.put(sha, bytes);
    const body = withSecrets(certname, result.body, result.secrets, inputs.key);
    const digest = bodyDigest(body);
    // What the catalog names, as after a restart (loadIssued): files' content and images from the artifact store alike.
    const contents = contentDigests(result.body);
    // Read again: what was issued may have moved while the compile ran.
    const current = this.issued.get(certname);
    let issued: Issued;
    if (current && this.isFresh(current) && current.digest === digest) issued = { ...current, inputsKey, contents };
    else issued = await this.sign(body, digest, inputsKey, contents, inputs.key?.object);
    this.issued.set(certname, issued);
    return issued;
  }

  private async compileAt(certname: string, inputs: NodeInputs, version: string, head: string): Promise<CompileResult> {
    const release = this.options.placement && (await this.options.placement.at(version, head));
    const started = performance.now();
    const result = await this.compiler.compile(certname, inputs.facts, { at: release, secrets: inputs.secrets });
    this.options.onCompiled?.((performance.now() - started) / 1000, result.ok);
    return result;
  }

  /** May `certname` fetch content `sha256`? Only what its current catalog names. */
  async mayFetch(certname: string, sha256: string): Promise<boolean> {
    const current = this.issued.get(certname) ?? (await this.loadIssued(certname));
    return current?.contents.has(sha256) ?? false;
  }

  /** Re-signing before expiry keeps agents' held catalogs valid; half the TTL leaves room for missed runs. */
  private isFresh(issued: Issued): boolean {
    return issued.signerCertPem === this.signer.certPem && issued.expiresAt - this.now().getTime() > (this.options.ttlSeconds * 1000) / 2;
  }

  /**
   * Signs the body as the node's next serial and stores it, in one transaction:
   * two compiles of one node never take the same serial. Its secrets are
   * sealed to `nodeKey` first (a KMS may be an HSM on the network), and their
   * delivery audited with the serial.
   */
  private async sign(body: CatalogBody, digest: string, inputsKey: string, contents: Set<string>, nodeKey: KeyObject | undefined): Promise<Issued> {
    const now = this.now();
    const expiresAt = new Date(now.getTime() + this.options.ttlSeconds * 1000);
    const sealed = body.secrets && (await this.sealSecrets(body.certname, body.secrets.uses, nodeKey));
    let released = false;
    const envelope = await this.store.transaction(async (tx) => {
      const catalog: Catalog = {
        apiVersion: "ancla/v1",
        ...body,
        serial: await tx.catalogs.nextCatalogSerial(body.certname),
        digest,
        compiledAt: now.toISOString(),
        expiresAt: expiresAt.toISOString(),
        sealed,
      };
      const signed = signEnvelope(CATALOG_PAYLOAD_TYPE, Buffer.from(canonicalJson(catalog)), this.signer);
      await tx.catalogs.saveCatalog({
        certname: body.certname,
        serial: catalog.serial,
        digest,
        siteVersion: body.siteVersion,
        inputsKey,
        envelope: encodeEnvelope(signed),
        compiledAt: now,
      });
      // What the node now holds, in place of what it held: the versions it no longer needs may be retired.
      released = await tx.secrets.recordDeliveries(body.certname, body.secrets?.uses ?? []);
      if (body.secrets) {
        const detail = { serial: catalog.serial, secrets: body.secrets.uses.map((u) => `${u.name}@${u.version}`), sealed_to: body.secrets.sealedTo };
        await tx.audit.appendAudit({ at: now, actor: "server", action: "secret.deliver", target: body.certname, detail });
      }
      return signed;
    });
    // After the catalog is stored (never before: a version is destroyed only once no stored catalog names it),
    // and only when the node let go of a version: a catalog without secrets costs no query here.
    if (released) await this.options.secrets?.retireUnused();
    return { inputsKey, digest, envelope, expiresAt: expiresAt.getTime(), contents, signerCertPem: this.signer.certPem };
  }

  private sealSecrets(certname: string, uses: readonly SecretUse[], nodeKey: KeyObject | undefined): Promise<NonNullable<Catalog["sealed"]>> {
    if (!this.options.secrets || !nodeKey) throw new AnclaError("ANCLA_E_INTERNAL", `the catalog of ${certname} uses secrets, but there is no key to seal them to`);
    return this.options.secrets.sealFor(certname, nodeKey, uses);
  }

  /** After a restart: the stored current catalog, so its serial and digest carry on. */
  private async loadIssued(certname: string): Promise<Issued | undefined> {
    const stored = await this.store.catalogs.getCurrentCatalog(certname);
    if (!stored) return undefined;
    const envelope = decodeEnvelope(stored.envelope);
    const catalog = JSON.parse(Buffer.from(envelope.payload).toString("utf8")) as Catalog;
    const issued: Issued = {
      inputsKey: stored.inputsKey,
      digest: stored.digest,
      envelope,
      expiresAt: Date.parse(catalog.expiresAt),
      contents: contentDigests(catalog),
      signerCertPem: envelope.signatures[0]?.certPem ?? "",
    };
    this.issued.set(certname, issued);
    return issued;
  }
}

/** The release a compile is at, and the site's current version (the two are one unless a rollout pins the node). */
interface CompileAt {
  head: string;
  version: string;
}

/**
 * A compile is a function of its release, the node's non-volatile facts, the
 * secrets (a rotation compiles again) and the key they are sealed to: what it
 * is remembered by.
 */
function inputsKeyOf(siteVersion: string, { facts, secrets, key }: NodeInputs): string {
  return sha256Hex(canonicalJson({ siteVersion, facts: withoutVolatileFacts(facts), secrets: secrets?.digest, key: key?.kid }));
}

/** The body with the secrets it uses and the key they are sealed to: both part of its digest, so a new version or a new node key is a new catalog. */
function withSecrets(certname: string, body: CatalogBody, uses: SecretUse[] | undefined, key: NodeInputs["key"]): CatalogBody {
  if (!uses || uses.length === 0) return body;
  if (!key) throw new AnclaError("ANCLA_E_INTERNAL", `the catalog of ${certname} uses secrets, but the check-in named no key to seal them to`);
  return { ...body, secrets: { sealedTo: key.kid, uses } };
}

/** What `promise` gives within `ms`, or undefined once `ms` has passed; its failure within `ms` is thrown. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, ms, undefined)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function answer(issued: Issued, haveDigest: string): CheckinAnswer {
  if (haveDigest === issued.digest) return { notModified: true, digest: issued.digest };
  return { notModified: false, digest: issued.digest, envelope: issued.envelope };
}

function contentDigests(catalog: CatalogBody): Set<string> {
  const out = new Set<string>();
  for (const r of catalog.resources) {
    const sha = r.properties.content_sha256;
    if (typeof sha === "string") out.add(sha);
  }
  return out;
}
