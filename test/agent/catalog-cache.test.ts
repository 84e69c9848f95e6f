import t from "tap";
import { writeFile } from "node:fs/promises";
import { stat } from "node:fs/promises";
import type { DsseEnvelope } from "../../pki/dsse.js";
import { loadCachedEnvelope, saveCachedEnvelope } from "../../agent/state/catalog-cache.js";
import { stateLayout } from "../../agent/state/layout.js";

const envelope: DsseEnvelope = {
  payloadType: "application/vnd.ancla.catalog.v1+json",
  payload: new TextEncoder().encode('{"serial":3}'),
  signatures: [{ keyid: "ab12", sig: new Uint8Array([0, 1, 2, 255]), certPem: "-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n" }],
};

t.test("the cached envelope round-trips", async (t) => {
  const layout = stateLayout(t.testdir({}));
  await saveCachedEnvelope(layout, envelope);
  t.same(await loadCachedEnvelope(layout), { envelope });
  t.equal((await stat(layout.catalog)).mode & 0o777, 0o600);
});

t.test("a missing cache is undefined with a reason", async (t) => {
  const result = await loadCachedEnvelope(stateLayout(t.testdir({})));
  t.same(result, { envelope: undefined, reason: "no cached catalog" });
});

const corruptions: [string, string, RegExp][] = [
  ["not json", "{ half", /is corrupt/],
  ["wrong shape", '{"payloadType": 1}', /payloadType is not a string/],
  ["bad base64", '{"payloadType":"x","payload":"*!*","signatures":[]}', /payload is not base64/],
  ["bad signature", '{"payloadType":"x","payload":"","signatures":[{"keyid":"k"}]}', /signature 0 lacks keyid or certPem/],
];
for (const [name, text, reason] of corruptions) {
  t.test(`a corrupt cache (${name}) is undefined with a reason, not a throw`, async (t) => {
    const layout = stateLayout(t.testdir({}));
    await writeFile(layout.catalog, text);
    const result = await loadCachedEnvelope(layout);
    t.equal(result.envelope, undefined);
    t.match(result.reason, reason);
  });
}
