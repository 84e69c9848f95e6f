// A ReportHealth batch is checked before anything is stored: an impossible
// one is refused whole with INVALID_ARGUMENT naming what is wrong, and a
// possible one has its windows placed by the server's receive time, so a
// skewed agent clock or a batch that waited on the agent's disk lands where
// it ran.
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import t from "tap";
import { ReportHealthRequestSchema } from "../../proto/gen/ancla/v1/agent_pb.js";
import { validateHealth } from "../../server/health/validate.js";
import { debianFacts, refusal, startRealServer } from "./_server.js";

const received = new Date("2026-12-02T12:00:00Z");

interface Extra {
  batchId?: string;
  saturation?: { endedAtMs: bigint; durationMs: number; cpuBusy: number; memoryUsed: number; loadPerCore: number; disks?: { mount: string; used: number }[] }[];
}
interface WindowInit {
  probe: string;
  endedAtMs: bigint;
  durationMs: number;
  errorsTimeout: number;
  errorsStatus: number;
  latency: { index: number; count: number }[];
}

/** A batch sent at agent time `sentAt`, one probe window ending 10 s before it. */
function batch(sentAt: number, window: Partial<WindowInit> = {}, extra: Extra = {}) {
  return create(ReportHealthRequestSchema, {
    batchId: "b-1",
    sentAtMs: BigInt(sentAt),
    probes: [
      { probe: "web-http", endedAtMs: BigInt(sentAt - 10_000), durationMs: 10_000, siteVersion: "v1", count: 10, errorsTimeout: 1, errorsStatus: 1, latency: [{ index: 100, count: 9 }], ...window },
    ],
    ...extra,
  });
}

t.test("windows are placed by the server's receive time, whatever the agent's clock says", async (t) => {
  const skewed = validateHealth(batch(Date.parse("2019-01-01T00:00:00Z")), received);
  t.equal(skewed.probes[0].at.toISOString(), "2026-12-02T11:59:50.000Z", "an agent years behind: 10 s before receipt");
  // Sent an hour after the window ended (it waited on the agent's disk): an hour back.
  const queued = validateHealth(batch(5_000_000, { endedAtMs: BigInt(5_000_000 - 3_600_000) }), received);
  t.equal(queued.probes[0].at.toISOString(), "2026-12-02T11:00:00.000Z");
  t.same(queued.probes[0].errors, { timeout: 1, refused: 0, status: 1, body: 0 });
  t.same(queued.probes[0].latency, [{ index: 100, count: 9 }]);
  const load = validateHealth(
    batch(
      5_000_000,
      {},
      {
        saturation: [
          {
            endedAtMs: 4_990_000n,
            durationMs: 10_000,
            cpuBusy: 0.5,
            memoryUsed: 0.25,
            loadPerCore: 3.5,
            disks: [
              { mount: "/", used: 0.4 },
              { mount: "/srv", used: 0.7 },
            ],
          },
        ],
      },
    ),
    received,
  );
  t.match(load.saturation[0], { cpu: 0.5, memory: 0.25, load: 3.5, disk: 0.7 }, "load per core above 1 is a loaded host, not an error; disk is the fullest mount");
});

t.test("an impossible batch is refused with INVALID_ARGUMENT naming what is wrong", async (t) => {
  const refused = (req: ReturnType<typeof batch>, message: RegExp) => t.throws(() => validateHealth(req, received), { code: grpc.status.INVALID_ARGUMENT, message }, message.source);
  refused(batch(5_000_000, {}, { batchId: "" }), /batch_id must be 1 to 128 characters/);
  refused(batch(0), /sent_at_ms 0 is not a time/);
  refused(batch(5_000_000, { latency: [{ index: 300, count: 9 }] }), /latency: bucket index 300 is out of range/);
  refused(batch(5_000_000, { errorsTimeout: 8, errorsStatus: 3 }), /counts 11 errors in 10 attempts/);
  refused(batch(5_000_000, { latency: [{ index: 100, count: 5 }] }), /latency holds 5 samples, but 9 of its 10 attempts got an answer/);
  refused(batch(5_000_000, { probe: "web http" }), /probes\[0\]\.probe "web http" is not a probe name/);
  refused(batch(5_000_000, { durationMs: 0 }), /duration_ms is 0: a window lasts 1 ms to 1 hour/);
  refused(batch(5_000_000, { endedAtMs: 5_000_000n + 120_000n }), /ended at 5120000, after its batch was sent/);
  refused(
    batch(5_000_000, {}, { saturation: [{ endedAtMs: 4_990_000n, durationMs: 10_000, cpuBusy: 1.5, memoryUsed: 0.2, loadPerCore: 0.1 }] }),
    /saturation\[0\]\.cpu_busy is 1.5: expected a number from 0 to 1/,
  );
  refused(batch(5_000_000, {}, { saturation: [{ endedAtMs: 4_990_000n, durationMs: 10_000, cpuBusy: Number.NaN, memoryUsed: 0.2, loadPerCore: 0.1 }] }), /cpu_busy is NaN/);
  refused(
    batch(5_000_000, {}, { saturation: [{ endedAtMs: 4_990_000n, durationMs: 10_000, cpuBusy: 0.1, memoryUsed: 0.2, loadPerCore: 0.1, disks: [{ mount: "srv", used: 0.1 }] }] }),
    /mount "srv" is not an absolute path/,
  );
});

t.test("over mTLS gRPC: a batch is stored once, counted in the metrics, and an impossible one stores nothing", async (t) => {
  const server = await startRealServer(t);
  const [agent] = await server.agents(["web-01"]);
  await agent.client.getCatalog({ facts: debianFacts(), haveDigest: "" });
  const now = Date.now();
  const good = batch(now, {}, { batchId: "b-good" });
  t.same(await agent.client.reportHealth(good), { $typeName: "ancla.v1.ReportHealthResponse", stored: true });
  t.equal((await agent.client.reportHealth(good)).stored, false, "a redelivered batch id is not stored again");
  const err = await refusal(agent.client.reportHealth(batch(now, { errorsTimeout: 20 }, { batchId: "b-bad" })));
  t.equal(err.code, grpc.status.INVALID_ARGUMENT);
  const probes = (await server.api("GET", "/api/v1/nodes/web-01/probes")).body as { probes: { probe: string; count: number; errors: { timeout: number } }[] };
  t.match(probes.probes, [{ probe: "web-http", count: 10, errors: { timeout: 1 } }], "one batch's window, once; none of the refused one");
  const metrics = (await server.api("GET", "/metrics")).body as unknown as string;
  t.match(metrics, /ancla_probe_attempts_total\{node="web-01",probe="web-http"\} 10\b/);
  t.match(metrics, /ancla_health_batches_total\{result="duplicate"\} 1\b/);
});
