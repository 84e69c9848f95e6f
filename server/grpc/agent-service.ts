// The mTLS agent service: catalogs, reports, content, Watch. Each handler first
// establishes who is calling from the peer certificate. What a handler throws
// becomes a gRPC status in one place, reportingInternalErrors (status.ts).
import type { JsonObject } from "@bufbuild/protobuf";
import type { AgentService, Report } from "../../proto/gen/ancla/v1/agent_pb.js";
import type { ServiceHandlers } from "../../proto/grpc.js";
import { upgradeLegacyReport } from "../../proto/report-words.js";
import type { Facts } from "../../catalog/compiler.js";
import { envelopeToMessage } from "../../catalog/envelope.js";
import type { CatalogService } from "../catalogs/service.js";
import type { AgentMetrics } from "../metrics/metrics.js";
import { isSha256Hex, type ContentStore } from "../catalogs/content-store.js";
import type { WatchHub } from "../watch/hub.js";
import { checkFacts, checkReportSize, DEFAULT_MESSAGE_LIMITS, type MessageLimits } from "./limits.js";
import { peerAuthenticator, type PeerCertificateSource, type PeerTrust } from "./peer.js";
import { rpcFail } from "./status.js";
import { validateHealth } from "../health/validate.js";
import type { HealthStore } from "../store/health.js";

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
  certs: { renew(certname: string, csrPem: string): { certPem: string }; revocationList(): { der: Uint8Array; sha256: string } };
  store: {
    recordCheckin(certname: string, facts: Record<string, unknown> | undefined, at: Date): void;
    saveReport(report: Report, receivedAt: Date): Promise<boolean>;
    health: Pick<HealthStore, "saveHealth">;
  };
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
      const { certname } = authenticatePeer(call);
      if (req.haveDigest && !isSha256Hex(req.haveDigest)) rpcFail("ANCLA_E_INVALID_ARGUMENT", "have_digest must be 64 lowercase hex characters");
      if (req.haveCrlDigest && !isSha256Hex(req.haveCrlDigest)) rpcFail("ANCLA_E_INVALID_ARGUMENT", "have_crl_digest must be 64 lowercase hex characters");
      const facts = (req.facts ?? {}) as JsonObject as Facts;
      checkFacts(facts, limits);
      deps.store.recordCheckin(certname, facts, new Date());
      const answer = await deps.catalogs.checkin(certname, facts, req.haveDigest).catch((err: unknown) => {
        deps.metrics?.checkin("failed");
        throw err;
      });
      deps.metrics?.checkin(answer.notModified ? "not_modified" : "catalog");
      // The CA's revocation list rides along only when the agent holds another one (it lists a rotated signing key).
      const crl = deps.certs.revocationList();
      const crlDer = req.haveCrlDigest === crl.sha256 ? new Uint8Array() : crl.der;
      return answer.notModified
        ? { digest: answer.digest, crlDer, result: { case: "notModified", value: {} } }
        : { digest: answer.digest, crlDer, result: { case: "catalog", value: envelopeToMessage(answer.envelope) } };
    },

    reportRun: async (req, call) => {
      const { certname } = authenticatePeer(call);
      const report = checkReport(req.report, certname, limits);
      if (req.facts) checkFacts(req.facts, limits);
      const now = new Date();
      if (req.facts) deps.store.recordCheckin(certname, req.facts as JsonObject, now);
      const started = performance.now();
      const stored = await deps.store.saveReport(report, now);
      deps.metrics?.report(report, stored, (performance.now() - started) / 1000);
      return { stored };
    },

    renewCertificate: async (req, call) => {
      const { certname } = authenticatePeer(call);
      return { certPem: deps.certs.renew(certname, req.csrPem).certPem };
    },

    fetchContent: (req, call) => {
      // Checked before the stream starts so a refusal is a status, not a broken stream.
      const { certname } = authenticatePeer(call);
      if (!isSha256Hex(req.sha256)) rpcFail("ANCLA_E_INVALID_ARGUMENT", "sha256 must be 64 lowercase hex characters");
      if (req.offset > MAX_OFFSET) rpcFail("ANCLA_E_INVALID_ARGUMENT", `offset ${req.offset} is out of range: the maximum is ${MAX_OFFSET}`);
      if (!deps.catalogs.mayFetch(certname, req.sha256)) rpcFail("ANCLA_E_NOT_FOUND", `no content ${req.sha256} in the catalog of ${certname}`);
      // Compiled content first; an image the catalog names from the artifact store otherwise.
      const source = deps.content.has(req.sha256) ? deps.content : deps.artifacts?.has(req.sha256) ? deps.artifacts : undefined;
      if (!source) return rpcFail("ANCLA_E_NOT_FOUND", `content ${req.sha256} is named in the catalog of ${certname} but not stored on this server`);
      // From `offset` on: a download cut short resumes instead of starting over (an offset at or past the end sends nothing).
      return chunks(source, req.sha256, Number(req.offset));
    },

    reportHealth: async (req, call) => {
      const { certname } = authenticatePeer(call);
      const receivedAt = new Date();
      // Refused whole (INVALID_ARGUMENT) or stored whole, in one transaction: never half a batch.
      const batch = validateHealth(req, receivedAt);
      const stored = await deps.store.health.saveHealth(certname, batch, receivedAt);
      deps.metrics?.health(certname, batch, stored);
      return { stored };
    },

    watch: (_req, call) => {
      // Checked before the stream starts, as for fetchContent: a refusal is a status, not a broken stream.
      const { certname } = authenticatePeer(call);
      const stream = deps.watch.attach(certname);
      // The client went away (its daemon stopped, its connection broke): grpc-js says so only with this event.
      call.once("cancelled", () => stream.detach());
      return stream.events;
    },
  };
}

async function* chunks(content: ContentStore, sha256: string, offset: number) {
  for await (const chunk of content.read(sha256, offset)) yield { offset: BigInt(chunk.offset), data: chunk.data };
}
