// The dashboard's one stylesheet and one small script, served as files so the
// pages can run under a strict Content-Security-Policy (no inline script or style).
import type { FastifyInstance } from "fastify";

const CSS = `
:root { --fg:#1d2329; --muted:#5f6b76; --line:#d9dee3; --bg:#fff; --soft:#f4f6f8; --link:#0b5cad;
  --failed:#b42318; --drifted:#c4540c; --changed:#1f5fbf; --unchanged:#2e7d32; --noop:#6941c6; --compile:#8b1a4a; --silent:#6b7280; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--fg); background:var(--bg); }
a { color:var(--link); text-decoration:none; } a:hover { text-decoration:underline; }
header.top { display:flex; align-items:center; gap:20px; padding:10px 24px; border-bottom:1px solid var(--line); background:var(--soft); }
header.top .brand { font-weight:700; font-size:16px; color:var(--fg); }
header.top nav { display:flex; flex-wrap:wrap; gap:2px 14px; min-width:0; } header.top nav a.here { font-weight:600; color:var(--fg); }
header.top .who { margin-left:auto; color:var(--muted); display:flex; gap:10px; align-items:center; }
main { padding:18px 24px 40px; max-width:1280px; }
h1 { font-size:20px; margin:4px 0 12px; overflow-wrap:anywhere; } h2 { font-size:16px; margin:26px 0 8px; }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-weight:600; color:var(--muted); background:var(--soft); white-space:nowrap; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
code, pre, .mono { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:12.5px; }
.wrap { overflow-wrap:anywhere; } .nowrap { white-space:nowrap; }
.muted { color:var(--muted); } .failure { color:var(--failed); }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; font-weight:600; color:#fff; background:var(--silent); white-space:nowrap; }
.s-failed { background:var(--failed); } .s-drifted { background:var(--drifted); } .s-changed { background:var(--changed); }
.s-unchanged { background:var(--unchanged); } .s-noop-pending, .s-noop { background:var(--noop); } .s-compile-failed { background:var(--compile); }
.s-unresponsive, .s-unreported, .s-skipped, .s-unknown { background:var(--silent); } .s-clock-skew { background:var(--drifted); }
.s-pending { background:var(--drifted); } .s-signed { background:var(--unchanged); } .s-revoked, .s-rejected { background:var(--silent); } .s-expired { background:var(--failed); }
.s-running { background:var(--changed); } .s-awaiting-approval, .s-paused { background:var(--noop); } .s-completed, .s-healthy { background:var(--unchanged); }
.s-rolled-back, .s-late { background:var(--failed); } .s-aborted { background:var(--silent); }
.s-pass { background:var(--unchanged); } .s-fail, .s-error { background:var(--failed); } .s-inconclusive { background:var(--noop); }
ol.steps { list-style:none; padding:0; margin:0; display:flex; flex-wrap:wrap; gap:6px 18px; }
ol.steps .mark { display:inline-block; width:1em; text-align:center; font-weight:700; }
ol.steps .step-done .mark { color:var(--unchanged); } ol.steps .step-current { font-weight:600; } ol.steps .step-current .mark { color:var(--link); } ol.steps .step-pending { color:var(--muted); }
td.node { min-width:12em; }
.actions { display:flex; flex-wrap:wrap; gap:8px; margin:12px 0; } .actions input { max-width:180px; }
.mark-corrective { color:var(--drifted); font-weight:600; } .mark-intentional { color:var(--changed); }
.tiles { display:flex; flex-wrap:wrap; gap:8px; margin-bottom:16px; }
.tile { display:block; min-width:112px; padding:8px 12px; border:1px solid var(--line); border-left:5px solid var(--silent); border-radius:4px; color:var(--fg); }
.tile:hover { text-decoration:none; background:var(--soft); } .tile.here { background:var(--soft); outline:2px solid var(--link); }
.tile .n { display:block; font-size:22px; font-weight:700; } .tile .l { color:var(--muted); font-size:12px; }
.tile.t-failed { border-left-color:var(--failed); } .tile.t-drifted { border-left-color:var(--drifted); } .tile.t-changed { border-left-color:var(--changed); }
.tile.t-unchanged { border-left-color:var(--unchanged); } .tile.t-noop-pending { border-left-color:var(--noop); } .tile.t-compile-failed { border-left-color:var(--compile); }
.tile.t-all { border-left-color:var(--fg); }
form.filters { display:flex; flex-wrap:wrap; gap:10px; align-items:end; margin:8px 0 12px; }
form.filters label { display:flex; flex-direction:column; font-size:12px; color:var(--muted); gap:2px; }
input, select, button { font:inherit; padding:4px 8px; border:1px solid #b8c0c8; border-radius:4px; background:#fff; color:var(--fg); }
button { cursor:pointer; background:var(--soft); } button.primary { background:var(--link); border-color:var(--link); color:#fff; }
button.danger { color:var(--failed); border-color:var(--failed); }
form.inline { display:inline; margin:0 4px 0 0; }
.pager { display:flex; gap:14px; align-items:center; margin:10px 0; color:var(--muted); }
dl.facts { display:grid; grid-template-columns:max-content 1fr; gap:4px 16px; margin:0; }
dl.facts dt { color:var(--muted); } dl.facts dd { margin:0; }
.notice { padding:8px 12px; border-radius:4px; margin:10px 0; background:#e8f3ea; border:1px solid #b7dcbd; }
.problem { padding:10px 14px; border-radius:4px; margin:10px 0; background:#fdf0f3; border:1px solid #efb8c8; }
.error { padding:8px 12px; border-radius:4px; margin:10px 0; background:#fdecea; border:1px solid #f3b8b2; }
pre.diff { margin:6px 0 0; padding:6px 0; background:var(--soft); border:1px solid var(--line); border-radius:4px; overflow-x:auto; }
pre.diff span { display:block; padding:0 10px; white-space:pre; }
pre.diff .add { background:#e6f4ea; color:#14532d; } pre.diff .del { background:#fdecea; color:#7f1d1d; } pre.diff .hunk { color:var(--muted); background:#eef1f4; }
td.val { max-width:340px; }
.chart svg { display:block; max-width:100%; height:auto; }
.chart .legend { display:flex; flex-wrap:wrap; gap:4px 14px; font-size:12px; color:var(--muted); margin-top:4px; }
.chart .legend svg { display:inline; vertical-align:-1px; }
@media (max-width: 720px) { main { padding:12px 10px 32px; } header.top { flex-wrap:wrap; padding:8px 10px; gap:8px 14px; } .who, .pager { flex-wrap:wrap; } table { display:block; overflow-x:auto; } }
.login { max-width:520px; margin:60px auto; } .login input { width:100%; margin:6px 0 12px; }
`;

// Revoking is not undone by a second click: ask first. Filter selects submit on change.
const JS = `
document.addEventListener("submit", function (e) {
  var q = e.target.getAttribute("data-confirm");
  if (q && !window.confirm(q)) e.preventDefault();
});
document.addEventListener("change", function (e) {
  if (e.target.matches("form.filters select")) e.target.form.submit();
});
`;

export function assetRoutes(app: FastifyInstance): void {
  const cache = "public, max-age=300";
  app.get("/assets/dashboard.css", async (_request, reply) => reply.type("text/css; charset=utf-8").header("cache-control", cache).send(CSS));
  app.get("/assets/dashboard.js", async (_request, reply) => reply.type("text/javascript; charset=utf-8").header("cache-control", cache).send(JS));
}
