// The SQLite implementation of HealthStore, on the store's connection.
//
// Probe windows are summed per node, probe and minute (probe_minutes) and,
// in the same transaction, per node, probe and hour (probe_hours): the hour
// rows are the roll-up, kept exact at write time, so retention only deletes
// and no pass ever re-reads a day of minutes to sum it (nor can one count a
// minute twice). Minute rows are kept from health_state.minutes_from on (an
// hour boundary that retention moves forward before it deletes); every hour
// has its hour row. A read takes each hour from exactly one of the two
// tables: totals the whole hours from probe_hours, series the hours before
// the split only.
//
// Latency histograms are merged inside SQLite by two functions registered on
// the connection: hist_add(a, b) for the upserts and the hist_sum(blob)
// aggregate for reads. A JavaScript function costs about a microsecond a
// call however little it does, so reads do not call one per row: each
// minute's (or hour's) blobs are concatenated natively (group_concat, byte
// for byte; a concatenation of encoded histograms is still a list of
// (bucket, count) entries) and hist_sum, or the caller, adds up one blob per
// minute. A cohort's totals over 10 minutes of 10,000 nodes are ten calls,
// not 100,000.
import { Buffer } from "node:buffer";
import { Histogram, HISTOGRAM_BUCKETS } from "../../../catalog/health/histogram.js";
import { HEALTH_RETENTION, HOUR_MS, MINUTE_MS, type HealthBatch, type HealthStore, type NodeSaturation, type ProbeTotals, type ProbeWindowRecord } from "../health.js";
import { ms, type Row, type Statements } from "./statements.js";

const floorTo = (t: number, unit: number): number => Math.floor(t / unit) * unit;

// The blob is encodeBuckets' form (catalog/health/histogram.ts): per non-empty
// bucket, ascending, its index byte then its count as a LEB128 varint. Read and
// written here straight from and to dense counts, without Bucket objects.

/** A bucket's bytes at most: the index, then 7 bits of a count below 2^53 per byte. */
const MAX_BUCKET_BYTES = 1 + 8;
const scratch = new Uint8Array(HISTOGRAM_BUCKETS * MAX_BUCKET_BYTES);
const merged = new Float64Array(HISTOGRAM_BUCKETS);

/** Adds encoded histograms (one, or several concatenated: any list of entries) into dense per-bucket counts. */
export function addEncoded(counts: Float64Array, blob: Uint8Array): void {
  let pos = 0;
  while (pos < blob.length) {
    const index = blob[pos++];
    let count = 0;
    let scale = 1;
    for (;;) {
      const byte = blob[pos++];
      count += (byte & 0x7f) * scale;
      if (byte < 0x80) break;
      scale *= 0x80;
    }
    counts[index] += count;
  }
}

/** Dense per-bucket counts encoded (the same bytes as encodeBuckets of their non-empty buckets). */
export function encodeDense(counts: Float64Array): Buffer {
  let pos = 0;
  for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
    let count = counts[i];
    if (count === 0) continue;
    scratch[pos++] = i;
    while (count >= 0x80) {
      scratch[pos++] = (count % 0x80) | 0x80;
      count = Math.floor(count / 0x80);
    }
    scratch[pos++] = count;
  }
  return Buffer.from(scratch.subarray(0, pos));
}

/** The sum of two encoded histograms, encoded. */
export function mergeEncoded(a: Uint8Array, b: Uint8Array): Buffer {
  merged.fill(0);
  addEncoded(merged, a);
  addEncoded(merged, b);
  return encodeDense(merged);
}

/** Registers hist_add and hist_sum on the connection (before any statement that uses them is prepared). */
export function registerHistogramFunctions(q: Statements): void {
  q.db.function("hist_add", { deterministic: true }, (a: Uint8Array | null, b: Uint8Array | null) => mergeEncoded(a ?? EMPTY, b ?? EMPTY));
  // Over concatenations too (group_concat(latency, '')): see the top of this file.
  q.db.aggregate<Float64Array>("hist_sum", {
    deterministic: true,
    start: () => new Float64Array(HISTOGRAM_BUCKETS),
    step: (counts, blob) => {
      if (blob) addEncoded(counts, blob as unknown as Uint8Array);
      return counts;
    },
    result: encodeDense,
  });
}

const EMPTY = new Uint8Array(0);

/** One row to upsert: the windows of a batch for one probe and minute (or hour), summed. */
interface ProbeSum {
  node: number;
  probe: string;
  at: number;
  siteVersion: string;
  count: number;
  timeout: number;
  refused: number;
  status: number;
  body: number;
  latency: Float64Array;
}

function addWindow(sums: Map<string, ProbeSum>, node: number, at: number, w: ProbeWindowRecord): void {
  const key = `${w.probe}\0${at}`;
  let sum = sums.get(key);
  if (!sum) {
    sum = { node, probe: w.probe, at, siteVersion: w.siteVersion, count: 0, timeout: 0, refused: 0, status: 0, body: 0, latency: new Float64Array(HISTOGRAM_BUCKETS) };
    sums.set(key, sum);
  }
  sum.siteVersion = w.siteVersion;
  sum.count += w.count;
  sum.timeout += w.errors.timeout;
  sum.refused += w.errors.refused;
  sum.status += w.errors.status;
  sum.body += w.errors.body;
  for (const b of w.latency) sum.latency[b.index] += b.count;
}

const PROBE_VALUES = `(@probe, @at, @node, @siteVersion, @count, @timeout, @refused, @status, @body, @latency)`;
const PROBE_SUMS = `site_version = excluded.site_version, count = count + excluded.count,
  err_timeout = err_timeout + excluded.err_timeout, err_refused = err_refused + excluded.err_refused,
  err_status = err_status + excluded.err_status, err_body = err_body + excluded.err_body,
  latency = hist_add(latency, excluded.latency)`;
const UPSERT_MINUTE = `INSERT INTO probe_minutes (probe, minute, node, site_version, count, err_timeout, err_refused, err_status, err_body, latency)
  VALUES ${PROBE_VALUES} ON CONFLICT (probe, minute, node) DO UPDATE SET ${PROBE_SUMS}`;
const UPSERT_HOUR = `INSERT INTO probe_hours (probe, hour, node, site_version, count, err_timeout, err_refused, err_status, err_body, latency)
  VALUES ${PROBE_VALUES} ON CONFLICT (probe, hour, node) DO UPDATE SET ${PROBE_SUMS}`;
const UPSERT_SATURATION = `INSERT INTO saturation_minutes (node, minute, windows, cpu_sum, memory_sum, load_sum, disk_max)
  VALUES (?, ?, 1, ?, ?, ?, ?) ON CONFLICT (node, minute) DO UPDATE SET
  windows = windows + 1, cpu_sum = cpu_sum + excluded.cpu_sum, memory_sum = memory_sum + excluded.memory_sum,
  load_sum = load_sum + excluded.load_sum, disk_max = max(COALESCE(disk_max, excluded.disk_max), COALESCE(excluded.disk_max, disk_max))`;

/** The ids of the nodes named by a JSON array parameter (one bound value however many names). */
const COHORT = `SELECT n.id FROM json_each(@names) AS j JOIN health_nodes AS n ON n.certname = j.value`;
const IN_COHORT = `AND node IN (${COHORT})`;

/**
 * A time range of one table that a read takes, between two bound parameters.
 * Totals read whole hours from probe_hours and only the partial hours at the
 * ends from probe_minutes (a 30-day SLO window is 720 rows a node, not 40,000);
 * series read minutes wherever they are kept.
 */
interface Part {
  table: "probe_minutes" | "probe_hours";
  time: "minute" | "hour";
  from: string;
  to: string;
}
const MINUTES_PART = (from: string, to: string): Part => ({ table: "probe_minutes", time: "minute", from, to });
const HOURS_PART = (from: string, to: string): Part => ({ table: "probe_hours", time: "hour", from, to });
const TOTALS_PARTS = [MINUTES_PART("headFrom", "headTo"), HOURS_PART("hoursFrom", "hoursTo"), MINUTES_PART("tailFrom", "tailTo")];

/** A part's rows for one probe (and, `cohort`, the nodes in @names). */
const probeRows = (p: Part, cohort: boolean): string => `FROM ${p.table} WHERE probe = @probe AND ${p.time} >= @${p.from} AND ${p.time} < @${p.to} ${cohort ? IN_COHORT : ""}`;
/** Sums per minute (or hour), in key order; nodes = rows, the key being (probe, time, node). */
const perTime = (p: Part, cohort: boolean): string => `SELECT ${p.time} AS t, COUNT(*) AS nodes, SUM(count) AS count,
  SUM(err_timeout) AS err_timeout, SUM(err_refused) AS err_refused, SUM(err_status) AS err_status, SUM(err_body) AS err_body,
  CAST(group_concat(latency, '') AS BLOB) AS latency ${probeRows(p, cohort)} GROUP BY ${p.time} ORDER BY ${p.time}`;
/**
 * Nodes with rows in any part: for a cohort, each of its nodes looked up in
 * the (node, probe, time) indexes (cheaper than collecting the node of every
 * row); for every node, the union of the parts' nodes.
 */
function nodesSql(cohort: boolean): string {
  if (!cohort) return `SELECT COUNT(*) FROM (${TOTALS_PARTS.map((p) => `SELECT node ${probeRows(p, false)}`).join(" UNION ")})`;
  const exists = TOTALS_PARTS.map((p) => `EXISTS (SELECT 1 FROM ${p.table} r WHERE r.node = c.id AND r.probe = @probe AND r.${p.time} >= @${p.from} AND r.${p.time} < @${p.to})`);
  return `SELECT COUNT(*) FROM health_nodes AS c WHERE c.certname IN (SELECT value FROM json_each(@names)) AND (${exists.join(" OR ")})`;
}
const totalsSql = (cohort: boolean): string => `SELECT (${nodesSql(cohort)}) AS nodes,
    COALESCE(SUM(count), 0) AS count, COALESCE(SUM(err_timeout), 0) AS err_timeout, COALESCE(SUM(err_refused), 0) AS err_refused,
    COALESCE(SUM(err_status), 0) AS err_status, COALESCE(SUM(err_body), 0) AS err_body, hist_sum(latency) AS latency
  FROM (${TOTALS_PARTS.map((p) => `SELECT * FROM (${perTime(p, cohort)})`).join(" UNION ALL ")})`;
const PROBE_COLUMNS = `probe, count, err_timeout, err_refused, err_status, err_body, latency`;
const NODE_ID = `(SELECT id FROM health_nodes WHERE certname = @certname)`;
/** A node's rows are few (one a minute per probe): summed per probe with a hist_sum call per row. */
const NODE_PROBES = `SELECT probe, 1 AS nodes, SUM(count) AS count,
    SUM(err_timeout) AS err_timeout, SUM(err_refused) AS err_refused, SUM(err_status) AS err_status, SUM(err_body) AS err_body,
    hist_sum(latency) AS latency
  FROM (${TOTALS_PARTS.map((p) => `SELECT ${PROBE_COLUMNS} FROM ${p.table} WHERE node = ${NODE_ID} AND ${p.time} >= @${p.from} AND ${p.time} < @${p.to}`).join(" UNION ALL ")})
  GROUP BY probe ORDER BY probe`;
const saturationSql = (cohort: boolean): string => `SELECT n.certname, s.minutes, s.cpu, s.memory, s.load, s.disk FROM (
    SELECT node, COUNT(*) AS minutes,
      SUM(cpu_sum) / SUM(windows) AS cpu, SUM(memory_sum) / SUM(windows) AS memory, SUM(load_sum) / SUM(windows) AS load,
      COALESCE(MAX(disk_max), 0) AS disk
    FROM saturation_minutes WHERE minute >= @from AND minute < @to ${cohort ? IN_COHORT : ""} GROUP BY node
  ) AS s JOIN health_nodes AS n ON n.id = s.node ORDER BY n.certname`;

/** Rows one retention statement deletes at most: a few milliseconds of the connection. */
const PRUNE_BATCH = 500;

/** The distinct probes of a table by its (probe, …) key, one seek each rather than a scan. */
const probesOf = (table: string): string => `WITH RECURSIVE p (probe) AS (
    SELECT MIN(probe) FROM ${table}
    UNION ALL SELECT (SELECT MIN(probe) FROM ${table} WHERE probe > p.probe) FROM p WHERE p.probe IS NOT NULL)
  SELECT probe FROM p WHERE probe IS NOT NULL`;

export class SqliteHealthStore implements HealthStore {
  constructor(private readonly q: Statements) {
    registerHistogramFunctions(q);
  }

  /** Where minute rows begin: hours before this are read from (and late windows written only to) probe_hours. */
  private minutesFrom(): number {
    return this.q.get(`SELECT minutes_from FROM health_state WHERE id = 1`)!.minutes_from as number;
  }

  /** The node's id in health rows, given it on first sight (ids are never reused: health_nodes keeps every node seen). */
  private nodeId(certname: string): number {
    const id = this.q.get(`SELECT id FROM health_nodes WHERE certname = ?`, certname)?.id;
    return id === undefined ? (this.q.get(`INSERT INTO health_nodes (certname) VALUES (?) RETURNING id`, certname)!.id as number) : (id as number);
  }

  async saveHealth(certname: string, batch: HealthBatch, receivedAt: Date): Promise<boolean> {
    return this.q.transaction(() => {
      const node = this.nodeId(certname);
      const fresh = this.q.run(`INSERT INTO health_batches (node, batch_id, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, node, batch.batchId, ms(receivedAt));
      if (fresh === 0) return false;
      const minutesFrom = this.minutesFrom();
      // Summed per probe and minute (and hour) first: one upsert each, however many windows a batch holds.
      const minutes = new Map<string, ProbeSum>();
      const hours = new Map<string, ProbeSum>();
      for (const w of batch.probes) {
        const at = floorTo(ms(w.at), MINUTE_MS);
        // A window placed in an hour whose minutes retention already deleted goes to the hour alone.
        if (at >= minutesFrom) addWindow(minutes, node, at, w);
        addWindow(hours, node, floorTo(at, HOUR_MS), w);
      }
      for (const [sql, sums] of [
        [UPSERT_MINUTE, minutes],
        [UPSERT_HOUR, hours],
      ] as const) {
        const upsert = this.q.stmt(sql);
        for (const sum of sums.values()) upsert.run({ ...sum, latency: encodeDense(sum.latency) });
      }
      const saturation = this.q.stmt(UPSERT_SATURATION);
      for (const s of batch.saturation) {
        const at = floorTo(ms(s.at), MINUTE_MS);
        if (at >= minutesFrom) saturation.run(node, at, s.cpu, s.memory, s.load, s.disk ?? null);
      }
      return true;
    });
  }

  /**
   * Where totals over [from, to) are read: the whole hours in it from
   * probe_hours, the partial hours at its ends from minute rows, where kept.
   * Before the split, where only hours are kept, an hour counts when it
   * starts in [from, to), as in a series.
   */
  private totalsRange(from: Date, to: Date): Record<string, number> {
    const split = this.minutesFrom();
    const [f, t] = [ms(from), ms(to)];
    const hoursFrom = Math.ceil(f / HOUR_MS) * HOUR_MS;
    const hoursTo = split > t ? t : floorTo(t, HOUR_MS);
    if (hoursTo <= hoursFrom) return { headFrom: Math.max(f, split), headTo: t, hoursFrom: 0, hoursTo: 0, tailFrom: 0, tailTo: 0 };
    return { headFrom: Math.max(f, split), headTo: hoursFrom, hoursFrom, hoursTo, tailFrom: Math.max(hoursTo, split), tailTo: t };
  }

  async probeTotals(probe: string, certnames: readonly string[] | undefined, from: Date, to: Date): Promise<ProbeTotals> {
    const params = { probe, ...this.totalsRange(from, to), ...names(certnames) };
    return probeTotals(this.q.get(totalsSql(certnames !== undefined), params)!);
  }

  async probeSeries(probe: string, certnames: readonly string[] | undefined, from: Date, to: Date): Promise<{ at: Date; totals: ProbeTotals }[]> {
    // Minutes wherever kept, hours before the split: every hour row is before every minute row.
    const split = this.minutesFrom();
    const [f, t] = [ms(from), ms(to)];
    const params = { probe, from: f, to: t, hoursTo: Math.min(t, split), minutesFrom: Math.max(f, split), ...names(certnames) };
    const cohort = certnames !== undefined;
    const rows = [
      ...(params.hoursTo > f ? this.q.all(perTime(HOURS_PART("from", "hoursTo"), cohort), params) : []),
      ...(t > params.minutesFrom ? this.q.all(perTime(MINUTES_PART("minutesFrom", "to"), cohort), params) : []),
    ];
    return rows.map((r) => ({ at: new Date(r.t as number), totals: probeTotals(r) }));
  }

  async saturation(certnames: readonly string[] | undefined, from: Date, to: Date): Promise<NodeSaturation[]> {
    return this.q.all(saturationSql(certnames !== undefined), { from: ms(from), to: ms(to), ...names(certnames) }).map((r) => ({
      certname: r.certname as string,
      minutes: r.minutes as number,
      cpu: r.cpu as number,
      memory: r.memory as number,
      disk: r.disk as number,
      load: r.load as number,
    }));
  }

  async nodeProbes(certname: string, from: Date, to: Date): Promise<{ probe: string; totals: ProbeTotals }[]> {
    return this.q.all(NODE_PROBES, { certname, ...this.totalsRange(from, to) }).map((r) => ({ probe: r.probe as string, totals: probeTotals(r) }));
  }

  /**
   * The roll-up into hours is already done (saveHealth writes both); this
   * moves the split to the hour boundary a minute retention back, then
   * deletes what is past retention in batches of PRUNE_BATCH rows, in key
   * order, with a yield to the event loop between them, so a large fleet's
   * prune never holds the connection for long.
   */
  async pruneHealth(now: Date): Promise<number> {
    const t = ms(now);
    // Hour-aligned, so each hour is whole in probe_minutes or gone from it; moved before deleting, so
    // a read while the batches go reads those hours from probe_hours, never from half-deleted minutes.
    const split = floorTo(t - HEALTH_RETENTION.minutesMs, HOUR_MS);
    this.q.run(`UPDATE health_state SET minutes_from = ? WHERE id = 1 AND minutes_from < ?`, split, split);
    const minutesFrom = this.minutesFrom();
    let deleted = 0;
    for (const probe of this.probes("probe_minutes")) deleted += await this.deleteBefore(`probe_minutes WHERE probe = @probe AND minute`, minutesFrom, { probe });
    for (const probe of this.probes("probe_hours")) deleted += await this.deleteBefore(`probe_hours WHERE probe = @probe AND hour`, t - HEALTH_RETENTION.hoursMs, { probe });
    deleted += await this.deleteBefore(`saturation_minutes WHERE minute`, t - HEALTH_RETENTION.minutesMs);
    deleted += await this.deleteBefore(`health_batches WHERE received_at`, t - HEALTH_RETENTION.batchIdsMs);
    return deleted;
  }

  private probes(table: "probe_minutes" | "probe_hours"): string[] {
    return this.q.all(probesOf(table)).map((r) => r.probe as string);
  }

  /** `DELETE FROM ${where} < @before`, PRUNE_BATCH rows at a time (each a range of a key or index). */
  private async deleteBefore(where: string, before: number, params: Record<string, unknown> = {}): Promise<number> {
    let deleted = 0;
    for (;;) {
      const n = this.q.run(`DELETE FROM ${where} < @before LIMIT ${PRUNE_BATCH}`, { ...params, before });
      deleted += n;
      if (n < PRUNE_BATCH) return deleted;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

function names(certnames: readonly string[] | undefined): { names?: string } {
  return certnames === undefined ? {} : { names: JSON.stringify(certnames) };
}

function probeTotals(r: Row): ProbeTotals {
  const latency = new Histogram();
  if (r.latency) addEncoded(latency.counts, r.latency as Uint8Array);
  latency.total = latency.counts.reduce((sum, c) => sum + c, 0);
  return {
    nodes: r.nodes as number,
    count: r.count as number,
    errors: { timeout: r.err_timeout as number, refused: r.err_refused as number, status: r.err_status as number, body: r.err_body as number },
    latency,
  };
}
