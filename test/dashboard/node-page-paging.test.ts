// The node page pages what can be large (issue 11 item 2: a node with a huge
// catalog and fact set once made it 38 MB of HTML): 200 catalog resources and
// 200 top-level facts a page, with previous/next links that keep the other
// section's page.
import t from "tap";
import { encodeEnvelope } from "../../catalog/envelope.js";
import { canonicalJson } from "../../catalog/canonical.js";
import { CATALOG_PAYLOAD_TYPE, type Catalog } from "../../catalog/model.js";
import { signEnvelope } from "../../pki/dsse.js";
import { startTestApi } from "../server/_helpers.js";
import { fetchPage } from "./_helpers.js";

const RESOURCES = 450;
const FACTS = 250;

t.test("catalog resources and facts come 200 a page with previous/next links", async (t) => {
  const api = await startTestApi(t);
  await api.store.nodes.recordCheckin("big-01", Object.fromEntries(Array.from({ length: FACTS }, (_, i) => [`fact_${String(i).padStart(3, "0")}`, `value-${i}`])), new Date());
  const catalog: Catalog = {
    apiVersion: "ancla/v1",
    certname: "big-01",
    siteVersion: "v1",
    serial: 1,
    digest: "e".repeat(64),
    compiledAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    resources: Array.from({ length: RESOURCES }, (_, i) => ({ type: "file", title: `/etc/f${String(i).padStart(3, "0")}`, properties: { content: "x" } })),
    edges: [],
  };
  const envelope = signEnvelope(CATALOG_PAYLOAD_TYPE, Buffer.from(canonicalJson(catalog)), api.ca);
  await api.store.catalogs.saveCatalog({ certname: "big-01", serial: 1, digest: catalog.digest, siteVersion: "v1", inputsKey: "k", envelope: encodeEnvelope(envelope), compiledAt: new Date() });

  const resources = (text: string) => [...text.matchAll(/<code>file:\/etc\/f(\d+)<\/code>/g)].map((m) => Number(m[1]));
  const facts = (text: string) => [...text.matchAll(/<dt><code>fact_(\d+)<\/code><\/dt>/g)].map((m) => Number(m[1]));
  const get = async (path: string) => (await fetchPage(api, path, { token: api.tokens.viewer })).text;

  const first = await get("/nodes/big-01");
  t.match(first, /Catalog: 450 resources/, "the count is the whole catalog's");
  t.same([resources(first).length, resources(first)[0]], [200, 0], "the first 200 resources");
  t.same([facts(first).length, facts(first)[0]], [200, 0], "the first 200 facts");
  t.match(first, /Page 1 of 3\s*<a href="\/nodes\/big-01\?resources=2#catalog">next →<\/a>/);
  t.match(first, /Page 1 of 2\s*<a href="\/nodes\/big-01\?facts=2#facts">next →<\/a>/);

  const last = await get("/nodes/big-01?resources=3&facts=2");
  t.same([resources(last).length, resources(last)[0]], [50, 400], "the last 50 resources");
  t.same([facts(last).length, facts(last)[0]], [50, 200], "the last 50 facts");
  t.match(last, /<a href="\/nodes\/big-01\?resources=2&amp;facts=2#catalog">← previous<\/a>/, "the facts page is kept");
  t.match(last, /<a href="\/nodes\/big-01\?resources=3&amp;facts=1#facts">← previous<\/a>/, "the resources page is kept");

  t.equal(resources(await get("/nodes/big-01?resources=99")).length, 50, "a page past the end shows the last");
});
