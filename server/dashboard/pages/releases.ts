// /releases: the site versions the server kept, newest first, with their git
// labels, size and where each is in use (an environment's stable release, the
// target of a rollout under way); /releases/:version: one of them with its
// files. The same store calls as GET /api/v1/releases and the CLI's
// `ancla release list|show`, and the same short version (shortVersion).
import type { FastifyInstance } from "fastify";
import type { ApiDeps } from "../../http/routes/deps.js";
import { DEFAULT_KEEP_RELEASES } from "../../releases/retention.js";
import { shortVersion } from "../../releases/version.js";
import type { RolloutRecord } from "../../store/rollouts.js";
import type { ReleaseFile, ReleaseRecord, ReleaseSummary } from "../../store/store.js";
import { sendError } from "../errors.js";
import { fileMode } from "../../releases/version.js";
import { bytes, count, releaseLink, shortDigest, version, when } from "../format.js";
import { html, type SafeHtml } from "../html.js";
import { badge, page } from "../layout.js";
import { pageOf, type Paged } from "../paging.js";
import { pathOf, queryString } from "../urls.js";

/** Releases per list page: retention keeps the newest (DEFAULT_KEEP_RELEASES) and those in use, so one page is the usual. */
const RELEASES_PER_PAGE = 100;
/** Files per page of a release: a site can hold thousands. */
const FILES_PER_PAGE = 200;

/** Where a release is in use: an environment's stable release, or the target of a rollout that has not ended. */
type Use = { kind: "stable"; environment: string } | { kind: "target"; rollout: RolloutRecord };

export function releasePageRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get<{ Querystring: { page?: string } }>("/releases", async (request, reply) => {
    const releases = pageOf(await deps.store.releases.listReleases(), request.query.page, RELEASES_PER_PAGE, (pageNo) => `/releases${queryString({ page: pageNo })}`);
    const body = listBody(releases, await releaseUses(deps), deps.rollouts !== undefined, new Date());
    return reply.type("text/html; charset=utf-8").send(page({ title: "Releases", section: "releases", request, body }));
  });

  app.get<{ Params: { version: string }; Querystring: { files?: string } }>("/releases/:version", async (request, reply) => {
    const { version: v } = request.params;
    const release = await deps.store.releases.getRelease(v);
    if (!release) return sendError(reply, request, 404, `no release ${v} is kept: the releases page lists the kept ones`);
    const files = pageOf(release.manifest, request.query.files, FILES_PER_PAGE, (pageNo) => `${pathOf("releases", v)}${queryString({ files: pageNo })}#files`);
    const uses = deps.rollouts && ((await releaseUses(deps)).get(v) ?? []);
    const body = html`${detailHeader(release, uses, new Date())}
${filesSection(files)}`;
    return reply.type("text/html; charset=utf-8").send(page({ title: `Release ${shortVersion(v)}`, section: "releases", request, body }));
  });
}

/**
 * Where releases are in use, by version, from the controller's memory: each
 * environment's stable release and the target of each rollout that has not
 * ended. The controller lists no environments, so they are those with a
 * stable release recorded (environment_releases: one row each, a cheap read)
 * and those of the rollouts under way. None when the server runs no rollouts.
 */
async function releaseUses(deps: ApiDeps): Promise<Map<string, Use[]>> {
  const uses = new Map<string, Use[]>();
  const rollouts = deps.rollouts;
  if (!rollouts) return uses;
  const add = (v: string, use: Use): void => void uses.set(v, [...(uses.get(v) ?? []), use]);
  const active = rollouts.activeRollouts().map((a) => a.record);
  const environments = new Set([...(await deps.store.rollouts.stableReleases()).keys(), ...active.map((r) => r.environment)]);
  for (const environment of [...environments].sort()) {
    const stable = rollouts.stableRelease(environment);
    if (stable) add(stable, { kind: "stable", environment });
  }
  for (const rollout of active) add(rollout.toRelease, { kind: "target", rollout });
  return uses;
}

function usesCell(uses: Use[]): SafeHtml {
  if (uses.length === 0) return html`<span class="muted">—</span>`;
  return html`${uses.map((u) =>
    u.kind === "stable"
      ? html`<div>stable in <a href="/rollouts${queryString({ environment: u.environment })}">${u.environment}</a></div>`
      : html`<div>target of <a href="${pathOf("rollouts", u.rollout.id)}">rollout ${u.rollout.id}</a> ${badge(u.rollout.state)}</div>`,
  )}`;
}

/** A size a person reads, the exact byte count on hover. */
function size(n: number): SafeHtml {
  return html`<span title="${count(n)} bytes">${bytes(n)}</span>`;
}

/** A label the site's git repository gave, or a dash when it gave none. */
function label(text: string | undefined): SafeHtml | string {
  return text ?? html`<span class="muted">—</span>`;
}

function listBody(releases: Paged<ReleaseSummary>, uses: Map<string, Use[]>, rollouts: boolean, now: Date): SafeHtml {
  return html`<h1>Releases</h1>
<p class="muted">Every site version the server compiled from, kept with its files${rollouts ? "; rollouts move an environment's nodes from one to another" : ""}. Retention keeps the ${DEFAULT_KEEP_RELEASES} newest and every one a node or a rollout still uses; <code>ancla release list</code> lists the same.</p>
${
  releases.total === 0
    ? html`<p class="muted" id="no-releases">No release yet: the server keeps one when an agent first checks in on a site version.</p>`
    : html`<table id="releases"><thead><tr><th>Release</th><th>Commit</th><th>Author</th><th>Subject</th><th>First seen</th><th class="num">Files</th><th class="num">Size</th>${rollouts && html`<th>In use</th>`}</tr></thead><tbody>
${releases.items.map(
  (
    r,
  ) => html`<tr data-version="${r.version}"><td class="nowrap">${releaseLink(r.version)}</td><td>${shortDigest(r.commit)}</td><td class="wrap">${label(r.author)}</td><td class="wrap">${label(r.subject)}</td>
<td class="nowrap">${when(r.firstSeenAt, now)}</td><td class="num">${count(r.files)}</td><td class="num nowrap">${size(r.bytes)}</td>${rollouts && html`<td class="wrap">${usesCell(uses.get(r.version) ?? [])}</td>`}</tr>`,
)}
</tbody></table>
${releases.pager}`
}`;
}

/** `uses` absent: the server runs no rollouts, so no release is an environment's stable one. */
function detailHeader(r: ReleaseRecord, uses: Use[] | undefined, now: Date): SafeHtml {
  return html`<h1>Release ${version(r.version)}</h1>
<p class="muted"><a href="/releases">All releases</a> · <code>ancla release show</code> shows the same.</p>
<dl class="facts">
  <dt>Version</dt><dd class="wrap"><code id="version">${r.version}</code></dd>
  <dt>Commit</dt><dd class="wrap" id="commit">${r.commit ? html`<code>${r.commit}</code>` : html`<span class="muted">none (the site is not a git repository)</span>`}</dd>
  <dt>Author</dt><dd class="wrap" id="author">${label(r.author)}</dd>
  <dt>Subject</dt><dd class="wrap" id="subject">${label(r.subject)}</dd>
  <dt>First seen</dt><dd>${when(r.firstSeenAt, now)}</dd>
  <dt>Files</dt><dd id="size">${count(r.files)} files, ${size(r.bytes)}</dd>
  ${uses && html`<dt>In use</dt><dd class="wrap" id="in-use">${usesCell(uses)}</dd>`}
</dl>`;
}

/** A file's path; a symlink as `path -> target` (it has no bytes of its own). */
function pathCell(f: ReleaseFile): SafeHtml {
  return html`<code>${f.link === undefined ? f.path : `${f.path} -> ${f.link}`}</code>`;
}

function filesSection(files: Paged<ReleaseFile>): SafeHtml {
  return html`<h2 id="files">Files (${count(files.total)})</h2>
${
  files.total === 0
    ? html`<p class="muted">No file.</p>`
    : html`<table id="release-files"><thead><tr><th>Mode</th><th class="num">Size</th><th>SHA-256</th><th>Path</th></tr></thead><tbody>
${files.items.map((f) => html`<tr><td><code>${fileMode(f.mode)}</code></td><td class="num nowrap">${size(f.size)}</td><td>${shortDigest(f.sha256)}</td><td class="wrap">${pathCell(f)}</td></tr>`)}
</tbody></table>
${files.pager}`
}`;
}
