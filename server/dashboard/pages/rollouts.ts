// /rollouts: every rollout, newest first (filtered by environment), and
// /rollouts/:id: one rollout — its state and why, its steps, the nodes it
// moved (their health on the target release) and the control, the gate values
// over time, its analysis runs and its history — with the operator's buttons. The buttons call
// the same controller as the API and the CLI, under the token's name, so it
// checks and audits each of them exactly as there.
import type { FastifyInstance } from "fastify";
import { AnclaError } from "../../../core/errors.js";
import { actorOf, requireRole } from "../../http/auth.js";
import { rolloutView, stepsView } from "../../http/routes/rollouts.js";
import { describeStep } from "../../rollouts/cohorts.js";
import { ACTION_STATES, type RolloutController, type RolloutView } from "../../rollouts/controller.js";
import { runStatus } from "../../status.js";
import { ENDED_STATES, type RolloutEvent, type RolloutReason, type RolloutRecord, type RolloutState } from "../../store/rollouts.js";
import type { ReportSummary, Store } from "../../store/store.js";
import { gateChart, type GateSample } from "../chart.js";
import { count, releaseLink, version, when } from "../format.js";
import { postButton } from "../forms.js";
import { html, type SafeHtml } from "../html.js";
import { badge, page } from "../layout.js";
import { pageOf, type Paged } from "../paging.js";
import { canOperate } from "../session.js";
import { analysisSection } from "./rollout-analysis.js";
import { pathOf, queryString, reportPath } from "../urls.js";

/** Rollouts the list shows (the store keeps them all). */
const LIST_LIMIT = 100;
/** Moved and control nodes shown per page: each row reads the node's current catalog and last report. */
const NODES_PER_PAGE = 100;
/** Gate samples listed under the chart, the newest (the chart draws them all). */
const GATE_ROWS = 20;
/** As the API's approve body allows. */
const TICKET_MAX = 200;

type Action = "approve" | "pause" | "resume" | "abort" | "rollback";

interface ActionSpec {
  label: string;
  style?: string;
  confirm?: string;
  /** The notice after it. */
  done: string;
  /**
   * The states the controller accepts it in, so that only the buttons that can
   * work are shown; a page gone stale is still refused by the controller.
   */
  states: readonly RolloutState[];
  run(rollouts: RolloutController, id: string, by: string, ticket: string | undefined): Promise<unknown>;
}

const ACTIONS: Record<Action, ActionSpec> = {
  approve: { label: "Approve", style: "primary", done: "Approved the step", states: ACTION_STATES.approve, run: (r, id, by, ticket) => r.approve(id, by, ticket) },
  pause: { label: "Pause", done: "Paused", states: ACTION_STATES.pause, run: (r, id, by) => r.pause(id, by) },
  resume: { label: "Resume", style: "primary", done: "Resumed", states: ACTION_STATES.resume, run: (r, id, by) => r.resume(id, by) },
  abort: {
    label: "Abort",
    style: "danger",
    confirm: "Abort this rollout? Every moved node goes back to the stable release (the target is not marked bad).",
    done: "Aborted",
    states: ACTION_STATES.abort,
    run: (r, id, by) => r.end(id, by, "abort"),
  },
  rollback: {
    label: "Roll back",
    style: "danger",
    confirm: "Roll this rollout back? Every moved node goes back to the stable release, and the target release is marked bad for the environment.",
    done: "Rolled back",
    states: ACTION_STATES.rollback,
    run: (r, id, by) => r.end(id, by, "rollback"),
  },
};

interface DetailQuerystring {
  done?: string;
  moved?: string;
  control?: string;
}

/** Where each shown node is: its current catalog's release and its last report. */
interface NodeLookup {
  release(certname: string): string | undefined;
  lastReport(certname: string): ReportSummary | undefined;
}

/** The release and last run of the nodes a page shows, read before it is rendered. */
async function nodeLookup(store: Pick<Store, "catalogs" | "reports">, certnames: string[]): Promise<NodeLookup> {
  const rows = await Promise.all(certnames.map(async (c) => ({ c, release: (await store.catalogs.getCurrentCatalog(c))?.siteVersion, lastReport: await store.reports.latestReportSummary(c) })));
  const byName = new Map(rows.map((r) => [r.c, r]));
  return { release: (c) => byName.get(c)?.release, lastReport: (c) => byName.get(c)?.lastReport };
}

type MovedNode = RolloutView["nodes"][number];

export function rolloutPageRoutes(app: FastifyInstance, rollouts: RolloutController, store: Store): void {
  app.get<{ Querystring: { environment?: string } }>("/rollouts", async (request, reply) => {
    const environment = request.query.environment?.trim() || undefined;
    const list = await rollouts.list({ environment, limit: LIST_LIMIT });
    return reply.type("text/html; charset=utf-8").send(page({ title: "Rollouts", section: "rollouts", request, body: listBody(list, environment, new Date()) }));
  });

  app.get<{ Params: { id: string }; Querystring: DetailQuerystring }>("/rollouts/:id", async (request, reply) => {
    const { id } = request.params;
    const view = await rollouts.view(id);
    const self = (section: "moved" | "control") => (pageNo: number) => `${pathOf("rollouts", id)}${queryString({ ...request.query, done: undefined, [section]: pageNo })}#${section}`;
    const moved = pageOf(view.nodes, request.query.moved, NODES_PER_PAGE, self("moved"));
    const control = pageOf(view.control, request.query.control, NODES_PER_PAGE, self("control"));
    const lookup = await nodeLookup(store, [...moved.items.map((n) => n.certname), ...control.items]);
    const done = request.query.done && Object.hasOwn(ACTIONS, request.query.done) ? ACTIONS[request.query.done as Action] : undefined;
    const r = view.rollout;
    const now = new Date();
    const body = html`${header(r, now)}
${done && html`<p class="notice" role="status">${done.done}.</p>`}
${r.reason && reasonBlock(r.reason)}
${actionsBlock(r, canOperate(request.apiToken!))}
${stepsSection(r)}
${movedSection(r, moved, lookup, now)}
${controlSection(r, control, lookup, now)}
${gatesSection(r, view.events, now)}
${analysisSection(r.strategy.gates.analysis, view.events, now)}
${historySection(view.events, now)}`;
    return reply.type("text/html; charset=utf-8").send(page({ title: `Rollout ${r.id}`, section: "rollouts", request, body }));
  });

  const operator = { preHandler: requireRole("operator") };
  for (const [name, action] of Object.entries(ACTIONS) as [Action, ActionSpec][]) {
    app.post<{ Params: { id: string }; Body: { ticket?: unknown } | undefined }>(`/rollouts/:id/${name}`, operator, async (request, reply) => {
      const { id } = request.params;
      await action.run(rollouts, id, actorOf(request), ticketOf(request.body?.ticket));
      return reply.redirect(`${pathOf("rollouts", id)}${queryString({ done: name })}`, 303);
    });
  }
}

/** The approve form's ticket field: empty is none, as the API's body without one. */
function ticketOf(raw: unknown): string | undefined {
  const ticket = typeof raw === "string" ? raw.trim() : "";
  if (ticket.length > TICKET_MAX) throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", `a ticket is at most ${TICKET_MAX} characters`);
  return ticket || undefined;
}

/** "2/4": the step under way of all steps, as `ancla rollout list` prints it. */
function stepOf(r: RolloutRecord): string {
  const steps = r.strategy.steps.length;
  return `${Math.min(r.step + 1, steps)}/${steps}`;
}

function listBody(list: RolloutRecord[], environment: string | undefined, now: Date): SafeHtml {
  return html`<h1>Rollouts</h1>
<p class="muted">Each moves an environment's nodes from its stable release to a new one in the steps of its strategy (<code>ancla.yaml</code>); <code>ancla rollout start --env ENV</code> starts one.</p>
<form class="filters" method="get" action="/rollouts">
<label>Environment<input name="environment" value="${environment ?? ""}" placeholder="production"></label><button type="submit">Filter</button>
${environment && html`<a href="/rollouts">all environments</a>`}
</form>
${
  list.length === 0
    ? html`<p class="muted" id="no-rollouts">No rollout${environment ? html` in <code>${environment}</code>` : " yet"}.</p>`
    : html`<table id="rollouts"><thead><tr><th>Rollout</th><th>Environment</th><th>State</th><th>Step</th><th>Release</th><th>Started by</th><th>Started</th></tr></thead><tbody>
${list.map(
  (
    r,
  ) => html`<tr data-id="${r.id}"><td><a href="${pathOf("rollouts", r.id)}"><code>${r.id}</code></a></td><td class="wrap">${r.environment}</td><td>${badge(r.state)}</td><td class="num">${stepOf(r)}</td>
<td class="nowrap">${releaseLink(r.fromRelease)} → ${releaseLink(r.toRelease)}</td><td class="wrap">${r.createdBy}</td><td>${when(r.createdAt, now)}</td></tr>`,
)}
</tbody></table>
${list.length === LIST_LIMIT && html`<p class="muted">The ${LIST_LIMIT} newest.</p>`}`
}`;
}

function header(r: RolloutRecord, now: Date): SafeHtml {
  const gates = rolloutView(r).gates;
  return html`<h1>Rollout <code>${r.id}</code> ${badge(r.state)}</h1>
<dl class="facts">
  <dt>Environment</dt><dd class="wrap"><a href="/rollouts${queryString({ environment: r.environment })}">${r.environment}</a></dd>
  <dt>Release</dt><dd id="release">${releaseLink(r.fromRelease)} → ${releaseLink(r.toRelease)}</dd>
  <dt>Strategy</dt><dd class="wrap">${r.strategy.name} <span class="muted">· gates: failed_runs ${gates.failed_runs}, image_rollback ${gates.image_rollback ? "on" : "off"}, report_within ${gates.report_within_seconds}s · on failure: ${r.strategy.onFailure}</span></dd>
  <dt>Step</dt><dd id="step">${stepOf(r)}</dd>
  <dt>Started</dt><dd class="wrap">${when(r.createdAt, now)} by ${r.createdBy}</dd>
  ${r.endedAt && html`<dt>Ended</dt><dd>${when(r.endedAt, now)}</dd>`}
  ${r.approvals.length > 0 && html`<dt>Approvals</dt><dd class="wrap" id="approvals">${r.approvals.map((a) => html`<div>step ${a.step + 1} by ${a.by}${a.ticket && html` (<code>${a.ticket}</code>)`} ${when(a.at, now)}</div>`)}</dd>`}
</dl>`;
}

/** Why it paused or ended: a gate with what it measured against what it allows and on which nodes, or who did it. */
function reasonBlock(reason: RolloutReason): SafeHtml {
  if (reason.kind === "operator") return html`<p class="muted" id="reason">${reason.message}.</p>`;
  const measured = reason.threshold.endsWith("%") ? `${reason.value}% of the moved nodes` : `${reason.value} node(s)`;
  return html`<div class="problem" id="reason"><strong>Gate <code>${reason.gate}</code> failed</strong>: measured ${measured}, threshold ${reason.threshold}, on
${reason.nodes.map((c, i) => html`${i > 0 && ", "}<a href="${pathOf("nodes", c)}">${c}</a>`)}.
<div class="muted">${reason.message}</div></div>`;
}

function actionsBlock(r: RolloutRecord, operator: boolean): SafeHtml | false {
  if (ENDED_STATES.includes(r.state)) return false;
  if (!operator) return html`<p class="muted">Your token has the viewer role: pausing, approving and ending a rollout need the operator role.</p>`;
  const buttons = (Object.entries(ACTIONS) as [Action, ActionSpec][])
    .filter(([, a]) => a.states.includes(r.state))
    .map(([name, a]) =>
      postButton({
        action: pathOf("rollouts", r.id, name),
        label: a.label,
        style: a.style,
        confirm: a.confirm,
        fields: name === "approve" ? html`<input name="ticket" aria-label="Ticket" placeholder="ticket (optional)" maxlength="${TICKET_MAX}"> ` : undefined,
      }),
    );
  return html`<div class="actions" id="actions">${buttons}</div>`;
}

const MARKS = { done: "✓", current: "▶", pending: "·" } as const;

function stepsSection(r: RolloutRecord): SafeHtml {
  const steps = stepsView(r);
  // After the last step the controller moves every node that is left; shown as a step of its own, current while it does.
  const last: keyof typeof MARKS = r.state === "completed" ? "done" : r.step >= steps.length && !ENDED_STATES.includes(r.state) ? "current" : "pending";
  const baking = (kind: string, state: string): string => (kind === "wait" && state === "current" ? ` · baked ${Math.floor(r.bakedMs / 1000)}s` : "");
  const rows: { text: string; state: keyof typeof MARKS; note: string }[] = [
    ...steps.map((s) => ({ text: s.text, state: s.state, note: baking(s.kind, s.state) })),
    { text: "all nodes", state: last, note: "" },
  ];
  return html`<h2 id="steps">Steps</h2>
<ol class="steps">${rows.map((s) => html`<li class="step-${s.state}"><span class="mark" aria-hidden="true">${MARKS[s.state]}</span> <code>${s.text}</code> <span class="muted">${s.state}${s.note}</span></li>`)}</ol>`;
}

function nodeLink(certname: string): SafeHtml {
  return html`<a href="${pathOf("nodes", certname)}">${certname}</a>`;
}

/** A run as a status badge linking to its report, and when the server received it. */
function runCell(run: { runId: string; status: string; at: Date } | undefined, certname: string, now: Date, none: string): SafeHtml {
  if (!run) return html`<span class="muted">${none}</span>`;
  return html`<a href="${reportPath({ runId: run.runId, certname })}">${badge(run.status)}</a> ${when(run.at, now)}`;
}

function movedSection(r: RolloutRecord, moved: Paged<MovedNode>, lookup: NodeLookup, now: Date): SafeHtml {
  const cohort = (step: number): string => {
    const s = r.strategy.steps[step];
    return s ? describeStep(s) : "all nodes";
  };
  return html`<h2 id="moved">Moved nodes (${count(moved.total)})</h2>
${
  moved.total === 0
    ? html`<p class="muted">No node moved yet.</p>`
    : html`<p class="muted">Health is their run on the target release: pending until they report one, late (a failure) past the report_within gate.</p>
<table id="moved-nodes"><thead><tr><th>Node</th><th>Cohort step</th><th>Moved</th><th>Health</th><th>Release</th><th>Last run on the target</th></tr></thead><tbody>
${moved.items.map(
  (
    n,
  ) => html`<tr data-certname="${n.certname}"><td class="wrap node">${nodeLink(n.certname)}</td><td class="nowrap">${n.step + 1} <span class="muted">${cohort(n.step)}</span></td><td>${when(n.movedAt, now)}</td>
<td>${badge(n.health)}${n.imageRolledBack && html` <span class="badge s-failed">image rolled back</span>`}</td><td>${version(lookup.release(n.certname))}</td><td>${runCell(n.lastRun, n.certname, now, "none yet")}</td></tr>`,
)}
</tbody></table>
${moved.pager}`
}`;
}

function controlSection(r: RolloutRecord, control: Paged<string>, lookup: NodeLookup, now: Date): SafeHtml {
  if (ENDED_STATES.includes(r.state)) return html`<h2 id="control">Control</h2><p class="muted">The rollout has ended: every node of ${r.environment} follows its stable release.</p>`;
  const last = (certname: string): SafeHtml => {
    const s = lookup.lastReport(certname);
    return runCell(s && { runId: s.runId, status: runStatus(s), at: s.receivedAt }, certname, now, "no run yet");
  };
  return html`<h2 id="control">Control: not moved yet (${count(control.total)})</h2>
${
  control.total === 0
    ? html`<p class="muted">Every node of ${r.environment} is moved.</p>`
    : html`<p class="muted">They stay on the stable release until their step.</p>
<table id="control-nodes"><thead><tr><th>Node</th><th>Release</th><th>Last result</th></tr></thead><tbody>
${control.items.map((c) => html`<tr data-certname="${c}"><td class="wrap node">${nodeLink(c)}</td><td>${version(lookup.release(c))}</td><td>${last(c)}</td></tr>`)}
</tbody></table>
${control.pager}`
}`;
}

interface GateRow extends GateSample {
  imageRolledBack: number;
}

/** The "gates" events: what the gates saw each time a count changed. */
function gateSamples(events: RolloutEvent[]): GateRow[] {
  return events
    .filter((e) => e.kind === "gates" && e.detail)
    .map((e) => {
      const n = (key: string): number => (typeof e.detail![key] === "number" ? (e.detail![key] as number) : 0);
      return { at: e.at, moved: n("moved"), healthy: n("healthy"), failed: n("failed"), pending: n("pending"), late: n("late"), imageRolledBack: n("image_rolled_back") };
    });
}

function gatesSection(r: RolloutRecord, events: RolloutEvent[], now: Date): SafeHtml {
  const samples = gateSamples(events);
  if (samples.length === 0) return html`<h2 id="gates">Gate values over time</h2><p class="muted">No node moved yet: nothing measured.</p>`;
  const shown = samples.slice(-GATE_ROWS);
  return html`<h2 id="gates">Gate values over time</h2>
${gateChart(samples, r.endedAt ?? now)}
<table id="gate-values"><thead><tr><th>When</th><th class="num">Moved</th><th class="num">Healthy</th><th class="num">Failed</th><th class="num">Pending</th><th class="num">Late</th><th class="num">Image rolled back</th></tr></thead><tbody>
${shown.map((s) => html`<tr><td class="nowrap">${when(s.at, now)}</td><td class="num">${s.moved}</td><td class="num">${s.healthy}</td><td class="num">${s.failed}</td><td class="num">${s.pending}</td><td class="num">${s.late}</td><td class="num">${s.imageRolledBack}</td></tr>`)}
</tbody></table>
${samples.length > shown.length && html`<p class="muted">The newest ${shown.length} of ${count(samples.length)} samples; the chart draws them all.</p>`}`;
}

/** What the controller decided, oldest first; the gate samples and analysis runs are in their sections above. */
function historySection(events: RolloutEvent[], now: Date): SafeHtml {
  const decisions = events.filter((e) => e.kind !== "gates" && e.kind !== "analysis");
  return html`<h2 id="history">History</h2>
<table id="events"><thead><tr><th>When</th><th>What</th><th>Detail</th></tr></thead><tbody>
${decisions.map((e) => html`<tr><td class="nowrap">${when(e.at, now)}</td><td class="nowrap"><code>${e.kind}</code></td><td class="wrap">${e.message}</td></tr>`)}
</tbody></table>`;
}
