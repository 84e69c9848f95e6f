// The run report from what a run produced: shared by the server-driven run
// (once.ts) and masterless runs, and light to import (no transport).
import { create } from "@bufbuild/protobuf";
import { randomUUID } from "node:crypto";
import type { Catalog } from "../../catalog/model.js";
import { ReportSchema, ResourceCountsSchema, type LogLine, type Report } from "../../proto/gen/ancla/v1/agent_pb.js";
import type { ApplyOutcome } from "../engine/apply.js";

export interface ReportParts {
  certname: string;
  started: Date;
  noop: boolean;
  catalog?: Catalog;
  /** Where the catalog came from: server, cache, none; masterless: site, file. */
  source: string;
  outcome?: ApplyOutcome;
  logs: LogLine[];
}

export function buildReport(p: ReportParts): Report {
  const catalog = p.catalog;
  return create(ReportSchema, {
    runId: randomUUID(),
    certname: p.certname,
    catalogDigest: catalog?.digest ?? "",
    siteVersion: catalog?.siteVersion ?? "",
    catalogSerial: BigInt(catalog?.serial ?? 0),
    startedAt: p.started.toISOString(),
    durationMs: Date.now() - p.started.getTime(),
    status: p.outcome?.status ?? "failed",
    noop: p.noop,
    catalogSource: p.source,
    events: p.outcome?.events ?? [],
    logs: [...p.logs, ...(p.outcome?.logs ?? [])],
    counts: p.outcome?.counts ?? create(ResourceCountsSchema, {}),
    timings: p.outcome?.timings ?? [],
  });
}

