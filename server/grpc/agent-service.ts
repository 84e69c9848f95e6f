// The mTLS agent service: catalogs, reports, content, Watch. Each handler first
// establishes who is calling from the peer certificate. What a handler throws
// becomes a gRPC status in one place, reportingInternalErrors (status.ts).
import type { JsonObject } from "@bufbuild/protobuf";
import type { ServerWritableStream } from "@grpc/grpc-js";
import type { AgentService, Report } from "../../proto/gen/ancla/v1/agent_pb.js";
import type { ServiceHandlers } from "../../proto/grpc.js";
import { upgradeLegacyReport } from "../../proto/report-words.js";
import type { Facts } from "../../catalog/compile-seam.js";
import { envelopeToMessage } from "../../catalog/envelope.js";
import type { CatalogService } from "../catalogs/service.js";
import type { AgentMetrics } from "../metrics/metrics.js";
import { isSha256Hex, type ContentStore } from "../catalogs/content-store.js";
import type { WatchHub } from "../watch/hub.js";
import { checkFacts, checkReportSize, DEFAULT_MESSAGE_LIMITS, type MessageLimits } from "./limits.js";
import { type CallWithPeer, type PeerAuthenticator, peerAuthenticator, type PeerCertificateSource, type PeerTrust } from "./peer.js";
import { rpcFail } from "./status.js";
import { validateHealth } from "../health/validate.js";
import type { Store } from "../store/store.js";

export interface AgentServiceDeps {
  trust: PeerTrust;
  /** The certificate each caller presented (the TLS listener keeps them). */
  peerCertificate: PeerCertificateSource;
  /** What one call may carry; the defaults when absent. */
  limits?: MessageLimits;
  catalogs: CatalogService;
  content: ContentStore;
  /** Pushed artifacts' bytes (images named by `artifact:` in a site). */
  artifacts?: ContentStore;
  certs: { renew(certname: string, csrPem: string): Promise<{ certPem: string }>; revocationList(): Promise<{ der: Uint8Array; sha256: string }> };
  store: Pick<Store, "nodes" | "reports" | "health">;
  metrics?: AgentMetrics;
  /** The open Watch streams, through which the server asks nodes to run now. */
  watch: WatchHub;
}

const MAX_RUN_ID = 128;

/** A content offset past this cannot be a position in a file and would lose precision as a JS number. */
const MAX_OFFSET = BigInt(Number.MAX_SAFE_INTEGER);

function checkReport(report: Report | undefined, certname: string, limits: MessageLimits): Report {
  if (!report) return rpcFail("ANCLA_E_INVALID_ARGUMENT", "ReportRun needs a report");
  checkReportSize(report, limits);
  upgradeLegacyReport(report);
  if (!report.runId || report.runId.length > MAX_RUN_ID) return rpcFail("ANCLA_E_INVALID_ARGUMENT", "report.run_id must be 1 to 128 characters");
  if (report.certname !== certname) return rpcFail("ANCLA_E_PERMISSION_DENIED", `${certname} may not report for ${report.certname || "(empty certname)"}`);
  return report;
}

export function agentHandlers(deps: AgentServiceDeps): ServiceHandlers<typeof AgentService> {
  const authenticatePeer = peerAuthenticator(deps.trust, deps.peerCertificate);
  const limits = deps.limits ?? DEFAULT_MESSAGE_LIMITS;
  return {
    getCatalog: async (req, call) => {
      const { certname, publicKey } = await authenticatePeer(call);
      if (req.haveDigest && !isSha256Hex(req.haveDigest)) rpcFail("ANCLA_E_INVALID_ARGUMENT", "have_digest must be 64 lowercase hex characters");
      if (req.haveCrlDigest && !isSha256Hex(req.haveCrlDigest)) rpcFail("ANCLA_E_INVALID_ARGUMENT", "have_crl_digest must be 64 lowercase hex characters");
      const facts = (req.facts ?? {}) as JsonObject as Facts;
      checkFacts(facts, limits);
      await deps.store.nodes.recordCheckin(certname, facts, new Date());
      const answer = await deps.catalogs.checkin(certname, facts, req.haveDigest, publicKey).catch((err: unknown) => {
        deps.metrics?.checkin("failed");
        throw err;
      });
      deps.metrics?.checkin(answer.notModified ? "not_modified" : "catalog");
      // The CA's revocation list rides along only when the agent holds another one (it lists a rotated signing key).
      const crl = await deps.certs.revocationList();
      const crlDer = req.haveCrlDigest === crl.sha256 ? new Uint8Array() : crl.der;
      return answer.notModified
        ? { digest: answer.digest, crlDer, result: { case: "notModified", value: {} } }
        : { digest: answer.digest, crlDer, result: { case: "catalog", value: envelopeToMessage(answer.envelope) } };
    },

    reportRun: async (req, call) => {
      const { certname } = await authenticatePeer(call);
      const report = checkReport(req.report, certname, limits);
      if (req.facts) checkFacts(req.facts, limits);
      const now = new Date();
      if (req.facts) await deps.store.nodes.recordCheckin(certname, req.facts as JsonObject, now);
      const started = performance.now();
      const stored = await deps.store.reports.saveReport(report, now);
      deps.metrics?.report(report, stored, (performance.now() - started) / 1000);
      return { stored };
    },

    renewCertificate: async (req, call) => {
      const { certname } = await authenticatePeer(call);
      return { certPem: (await deps.certs.renew(certname, req.csrPem)).certPem };
    },

    // Server streams: a refusal ends the stream before its first message, so the caller sees a status, not a broken stream.
    fetchContent: (req, call) => contentOf(deps, authenticatePeer, call, req.sha256, req.offset),

    reportHealth: async (req, call) => {
      const { certname } = await authenticatePeer(call);
      const receivedAt = new Date();
      // Refused whole (INVALID_ARGUMENT) or stored whole, in one transaction: never half a batch.
      const batch = validateHealth(req, receivedAt);
      const stored = await deps.store.health.saveHealth(certname, batch, receivedAt);
      deps.metrics?.health(certname, batch, stored);
      return { stored };
    },

    watch: (_req, call) => watchEvents(deps, authenticatePeer, call),
  };
}

/** The bytes of `sha256` from `offset` on, if the caller's catalog names them. */
async function* contentOf(deps: AgentServiceDeps, authenticatePeer: PeerAuthenticator, call: CallWithPeer, sha256: string, offset: bigint) {
  const { certname } = await authenticatePeer(call);
  if (!isSha256Hex(sha256)) rpcFail("ANCLA_E_INVALID_ARGUMENT", "sha256 must be 64 lowercase hex characters");
  if (offset > MAX_OFFSET) rpcFail("ANCLA_E_INVALID_ARGUMENT", `offset ${offset} is out of range: the maximum is ${MAX_OFFSET}`);
  if (!(await deps.catalogs.mayFetch(certname, sha256))) rpcFail("ANCLA_E_NOT_FOUND", `no content ${sha256} in the catalog of ${certname}`);
  // Compiled content first; an image the catalog names from the artifact store otherwise.
  const source = deps.content.has(sha256) ? deps.content : deps.artifacts?.has(sha256) ? deps.artifacts : undefined;
  if (!source) return rpcFail("ANCLA_E_NOT_FOUND", `content ${sha256} is named in the catalog of ${certname} but not stored on this server`);
  // From `offset` on: a download cut short resumes instead of starting over (an offset at or past the end sends nothing).
  for await (const chunk of source.read(sha256, Number(offset))) yield { offset: BigInt(chunk.offset), data: chunk.data };
}

/** The run-now nudges for the caller, until it goes away. */
async function* watchEvents(deps: AgentServiceDeps, authenticatePeer: PeerAuthenticator, call: CallWithPeer & Pick<ServerWritableStream<unknown, unknown>, "once">) {
  const { certname } = await authenticatePeer(call);
  const stream = deps.watch.attach(certname);
  // The client went away (its daemon stopped, its connection broke): grpc-js says so only with this event.
  call.once("cancelled", () => stream.detach());
  yield* stream.events;
}
