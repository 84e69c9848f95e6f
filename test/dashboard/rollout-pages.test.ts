// The rollout pages against a real API, store and rollout controller: the
// list (newest first, by environment), one rollout with its steps, moved
// nodes and control (each with its release and last result), the gate values
// over time and its history; the operator's buttons only for operators and
// only when the state allows them, each calling the controller under the
// token's name (approving your own rollout is refused, as in the API); and the
// node page's environment, release and rollout.
import t from "tap";
import { ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { call, startTestApi } from "../server/_helpers.js";
import { fetchPage, login, startRolloutApi, V1, V2, type FleetNode, type RolloutApi } from "./_helpers.js";

const SHORT_V1 = `${"a1".repeat(6)}+${"1".repeat(12)}`;
const SHORT_V2 = `${"b2".repeat(6)}+${"2".repeat(12)}`;

const FLEET: FleetNode[] = [
  ...["web-01", "web-02", "web-03", "web-04"].map((certname) => ({ certname, environment: "production", canary: certname === "web-03" })),
  { certname: "stage-01", environment: "staging" },
];

/** The HTML of the table row with `attribute` (data-id or data-certname) equal to `value` inside the element with id `table`. */
function row(page: string, table: string, attribute: string, value: string): string {
  const inTable = new RegExp(`id="${table}"[\\s\\S]*?</table>`).exec(page)?.[0] ?? "";
  const m = new RegExp(`<tr ${attribute}="${value}">([\\s\\S]*?)</tr>`).exec(inTable);
  if (!m) throw new Error(`no row ${attribute}=${value} in #${table}`);
  return m[1];
}

/** Post actions in the page's buttons: ["approve", "pause", ...]. */
function buttons(page: string, id: string): string[] {
  return [...page.matchAll(new RegExp(`<form class="inline" method="post" action="/rollouts/${id}/([a-z]+)"`, "g"))].map((m) => m[1]);
}

/** A production rollout started through the API by the operator token, its canary healthy, waiting at the approve step. */
async function awaitingApproval(api: RolloutApi): Promise<{ id: string; canaryRun: string }> {
  const started = await call(api, "POST", "/api/v1/rollouts", { token: api.tokens.operator, body: JSON.stringify({ environment: "production" }) });
  if (started.status !== 201) throw new Error(`start answered ${started.status}: ${JSON.stringify(started.body)}`);
  const { id } = started.body as { id: string };
  // A tick before the canary reports: the gates see it pending first.
  await api.pass(1);
  const canaryRun = await api.ran("web-03", ReportStatus.CHANGED);
  await api.pass(1);
  return { id, canaryRun };
}

t.test("the list and one rollout: state, steps, cohorts with releases and results, gates over time, history", async (t) => {
  const api = await startRolloutApi(t, FLEET);
  const staging = await api.controller.startRollout({ environment: "staging", by: "token:9 (ci)" });
  await api.ran("stage-01", ReportStatus.CHANGED);
  await api.pass(1);
  // A control node ran V1 before: its last result is that run.
  const controlRun = await api.ran("web-01", ReportStatus.UNCHANGED, V1);
  api.clock.wall += 1000;
  const { id, canaryRun } = await awaitingApproval(api);
  const viewer = { token: api.tokens.viewer };

  const list = await fetchPage(api, "/rollouts", viewer);
  t.equal(list.status, 200);
  t.same(
    [...list.text.matchAll(/<tr data-id="([^"]+)">/g)].map((m) => m[1]),
    [id, staging.id],
    "newest first",
  );
  const production = row(list.text, "rollouts", "data-id", id);
  t.match(production, `<a href="/rollouts/${id}"><code>${id}</code></a>`, "each links to its page");
  t.match(production, '<span class="badge s-awaiting-approval">awaiting-approval</span>');
  t.match(production, '<td class="num">2/3</td>', "step k/n");
  t.match(
    production,
    `<a href="/releases/${encodeURIComponent(V1)}"><code title="${V1}">${SHORT_V1}</code></a> → <a href="/releases/${encodeURIComponent(V2)}"><code title="${V2}">${SHORT_V2}</code></a>`,
    "from → to, short, whole on hover, each linking to its release",
  );
  t.match(production, /token:[\w-]+ \(test operator\)<\/td><td><time/, "started by and when");
  t.match(row(list.text, "rollouts", "data-id", staging.id), "s-completed");
  t.match(list.text, '<a href="/rollouts" class="here">Rollouts</a>', "reached from the top bar");
  const filtered = await fetchPage(api, "/rollouts?environment=staging", viewer);
  t.same(
    [...filtered.text.matchAll(/<tr data-id="([^"]+)">/g)].map((m) => m[1]),
    [staging.id],
    "the environment filter",
  );
  t.match(filtered.text, 'value="staging"', "the filter shows what it filters by");
  t.match((await fetchPage(api, "/rollouts?environment=qa", viewer)).text, /id="no-rollouts">No rollout in <code>qa<\/code>/);

  const detail = (await fetchPage(api, `/rollouts/${id}`, viewer)).text;
  t.match(detail, /<h1>Rollout <code>r-[0-9a-f]+<\/code> <span class="badge s-awaiting-approval">/);
  t.match(detail, /<dd id="step">2\/3<\/dd>/);
  t.notMatch(detail, 'id="reason"', "no reason while it runs");
  t.same(
    [...detail.matchAll(/<li class="step-(\w+)">.*?<code>([^<]+)<\/code>/g)].map((m) => [m[2], m[1]]),
    [
      ["nodes: 1", "done"],
      ["approve", "current"],
      ["percent: 100", "pending"],
      ["all nodes", "pending"],
    ],
    "the steps marked done, current, pending",
  );
  const canary = row(detail, "moved-nodes", "data-certname", "web-03");
  t.match(canary, '<a href="/nodes/web-03">web-03</a>', "the canary moved first");
  t.match(canary, /<td class="nowrap">1 <span class="muted">nodes: 1<\/span><\/td>/, "by the first step");
  t.match(canary, '<span class="badge s-healthy">healthy</span>');
  t.match(canary, `>${SHORT_V2}</code>`, "its release: its current catalog's, the target");
  t.match(canary, `<a href="/reports/${canaryRun}?node=web-03"><span class="badge s-changed">changed</span></a>`, "its last run on the target links to its report");
  t.same(
    [...(/id="control-nodes"[\s\S]*?<\/table>/.exec(detail)?.[0] ?? "").matchAll(/data-certname="([^"]+)"/g)].map((m) => m[1]).sort(),
    ["web-01", "web-02", "web-04"],
    "the control: not moved yet",
  );
  const control = row(detail, "control-nodes", "data-certname", "web-01");
  t.match(control, `>${SHORT_V1}</code>`, "a control node is on the stable release");
  t.match(control, `<a href="/reports/${controlRun}?node=web-01"><span class="badge s-unchanged">unchanged</span></a>`, "with its last result");
  t.match(row(detail, "control-nodes", "data-certname", "web-02"), "no run yet");
  t.match(detail, /<figure class="chart" id="gate-chart">[\s\S]*class="gate-healthy"[\s\S]*class="gate-failed"/, "the gate values drawn over time");
  const samples = [...(/id="gate-values"[\s\S]*?<\/table>/.exec(detail)?.[0] ?? "").matchAll(/<tr><td class="nowrap"><time[^>]*>[^<]*<\/time><\/td>((?:<td class="num">\d+<\/td>)+)/g)].map((m) =>
    [...m[1].matchAll(/\d+/g)].map((n) => Number(n[0])),
  );
  t.same(
    samples,
    [
      [0, 0, 0, 0, 0, 0],
      [1, 0, 0, 1, 0, 0],
      [1, 1, 0, 0, 0, 0],
    ],
    "and listed: none moved, the canary pending, then healthy",
  );
  const history = [...(/id="events"[\s\S]*?<\/table>/.exec(detail)?.[0] ?? "").matchAll(/<td class="nowrap"><code>([^<]+)<\/code><\/td>/g)].map((m) => m[1]);
  t.same(history, ["started", "moved", "step", "awaiting-approval"], "the history, oldest first, without the gate samples");

  t.same(buttons(detail, id), [], "a viewer sees no button");
  t.match(detail, "Your token has the viewer role");
  const asOperator = (await fetchPage(api, `/rollouts/${id}`, { token: api.tokens.operator })).text;
  t.same(buttons(asOperator, id), ["approve", "pause", "abort", "rollback"], "an operator gets the buttons its state allows: no resume while not paused");
  t.match(asOperator, /action="\/rollouts\/[^"]+\/approve">\s*<input name="ticket"/, "approve takes a ticket");
  t.match(asOperator, /action="\/rollouts\/[^"]+\/rollback" data-confirm="Roll this rollout back\?/, "ending it asks first");
  t.same(buttons((await fetchPage(api, `/rollouts/${staging.id}`, { token: api.tokens.admin })).text, staging.id), [], "an ended rollout has none");

  const missing = await fetchPage(api, "/rollouts/r-nope", viewer);
  t.equal(missing.status, 404);
  t.match(missing.text, /class="error">no rollout r-nope/);
});

t.test("operators pause, resume and approve from the page; their own rollout they cannot approve", async (t) => {
  const api = await startRolloutApi(t, FLEET);
  const { id } = await awaitingApproval(api);
  const path = `/rollouts/${id}`;
  const operator = { cookie: await login(api, api.tokens.operator) };
  const state = async (): Promise<string> => /<h1>Rollout <code>[^<]+<\/code> <span class="badge s-[\w-]+">([\w-]+)</.exec((await fetchPage(api, path, operator)).text)?.[1] ?? "";

  const own = await fetchPage(api, `${path}/approve`, { ...operator, form: { ticket: "" } });
  t.equal(own.status, 403, "the operator started it: approving it too is refused");
  t.match(own.text, /<h1>Not allowed<\/h1><p class="error">rollout r-[0-9a-f]+ was started by token:[\w-]+ \(test operator\), who cannot approve it too/);
  t.equal(await state(), "awaiting-approval", "nothing changed");

  const paused = await fetchPage(api, `${path}/pause`, { ...operator, form: {} });
  t.equal(paused.status, 303);
  t.equal(paused.headers.location, `${path}?done=pause`, "back to the rollout");
  const after = (await fetchPage(api, paused.headers.location as string, operator)).text;
  t.match(after, '<p class="notice" role="status">Paused.</p>');
  t.match(after, /paused by token:[\w-]+ \(test operator\)/, "the history says who");
  t.same(buttons(after, id), ["resume", "abort", "rollback"], "paused: resume instead of pause and approve");

  const viewer = await fetchPage(api, `${path}/resume`, { cookie: await login(api, api.tokens.viewer), form: {} });
  t.equal(viewer.status, 403, "a viewer's post is refused");
  t.match(viewer.text, /needs the operator role/);
  t.equal(await state(), "paused");

  t.equal((await fetchPage(api, `${path}/resume`, { ...operator, form: {} })).status, 303);
  t.equal(await state(), "awaiting-approval", "resumed, it waits at the approve step again");

  const admin = { cookie: await login(api, api.tokens.admin) };
  const approved = await fetchPage(api, `${path}/approve`, { ...admin, form: { ticket: " CHG-42 " } });
  t.equal(approved.status, 303, approved.text);
  const running = (await fetchPage(api, `${path}?done=approve`, admin)).text;
  t.match(running, "Approved the step.");
  t.match(running, /<dd class="wrap" id="approvals"><div>step 2 by token:[\w-]+ \(test admin\) \(<code>CHG-42<\/code>\)/, "the approval with its ticket");
  t.same([...(/id="moved-nodes"[\s\S]*?<\/table>/.exec(running)?.[0] ?? "").matchAll(/data-certname="([^"]+)"/g)].length, 4, "after the last step every node moves");
  t.match(running, "Every node of production is moved.");

  // The node page knows the node's environment, its release and its environment's rollout.
  const node = (await fetchPage(api, "/nodes/web-02", admin)).text;
  t.match(node, new RegExp(`<dd id="environment" class="wrap">production · <a href="/rollouts/${id}">rollout ${id}</a> <span class="badge s-running">`));
  t.match(node, `<dd id="release"><a href="/releases/${encodeURIComponent(V1)}"><code title="${V1}">${SHORT_V1}</code></a>`, "the release its current catalog is at, linked");

  await api.ran("web-01", ReportStatus.FAILED);
  await api.pass(1);
  const back = (await fetchPage(api, path, admin)).text;
  t.match(back, /s-rolled-back">rolled-back</);
  t.match(
    back,
    /<div class="problem" id="reason"><strong>Gate <code>failed_runs<\/code> failed<\/strong>: measured 1 node\(s\), threshold 0, on\s*<a href="\/nodes\/web-01">web-01<\/a>\./,
    "the reason: the gate, its value, threshold and nodes",
  );
  t.same(buttons(back, id), [], "ended: no button");
  t.match(back, "The rollout has ended");
  const refused = await fetchPage(api, `${path}/pause`, { ...admin, form: {} });
  t.equal(refused.status, 409, "a stale page's post is refused by the controller");
  t.match(refused.text, /class="error">rollout r-[0-9a-f]+ is not running/);
  t.match((await fetchPage(api, "/nodes/web-02", admin)).text, /<dd id="environment" class="wrap">production<\/dd>/, "no rollout once it ended");
});

t.test("a server without rollouts has no Rollouts link nor pages", async (t) => {
  const api = await startTestApi(t);
  const fleet = await fetchPage(api, "/", { token: api.tokens.viewer });
  t.match(fleet.text, '<a href="/certificates"');
  t.notMatch(fleet.text, 'href="/rollouts"');
  t.equal((await fetchPage(api, "/rollouts", { token: api.tokens.viewer })).status, 404);
});
