// core/errors.ts is the one table of codes: each code's gRPC status as the
// server sends it and the agent reads it back, and its HTTP status.
import t from "tap";
import { status, type ServiceError } from "@grpc/grpc-js";
import { asTransportError } from "../../agent/transport.js";
import { AnclaError, errorEntries, type AnclaErrorCode } from "../../core/errors.js";
import { toRpcError } from "../../server/grpc/status.js";
import { toHttpError } from "../../server/http/errors.js";

const codes = Object.keys(errorEntries) as AnclaErrorCode[];
const serviceError = (code: status, details: string) => Object.assign(new Error(details), { code, details, metadata: undefined }) as unknown as ServiceError;

t.test("every code leaves over gRPC with its status and comes back as itself", (t) => {
  for (const code of codes) {
    const sent = toRpcError(new AnclaError(code, "what happened"));
    const isInternal = errorEntries[code].grpc === "INTERNAL";
    t.equal(sent.code, status[errorEntries[code].grpc], `${code} → ${errorEntries[code].grpc}`);
    const back = asTransportError(serviceError(sent.code, sent.message), "localhost:8140") as AnclaError;
    // The server's own failures leave as ANCLA_E_INTERNAL, whatever their code; an unreachable server sends nothing.
    if (code === "ANCLA_E_SERVER_UNREACHABLE") t.equal(back.code, code);
    else t.equal(back.code, isInternal ? "ANCLA_E_INTERNAL" : code, `${code} comes back`);
  }
  t.end();
});

t.test("a bare gRPC status (no code in the details) reads as the one code with it, or its generic one", (t) => {
  const statuses = [...new Set(codes.map((c) => errorEntries[c].grpc))].filter((s) => s !== "UNAVAILABLE");
  for (const name of statuses) {
    const back = asTransportError(serviceError(status[name], "no code here"), "localhost:8140") as AnclaError;
    t.equal(errorEntries[back.code].grpc, name, `${name} → ${back.code}`);
    const withIt = codes.filter((c) => errorEntries[c].grpc === name);
    if (withIt.length === 1) t.equal(back.code, withIt[0], `${name} is unambiguous`);
  }
  t.equal((asTransportError(serviceError(status.UNIMPLEMENTED, "no such method"), "s:1") as AnclaError).code, "ANCLA_E_INTERNAL", "an unlisted status is the server failing, not the server away");
  t.end();
});

t.test("every code has its HTTP status; the server's own failures are a generic 500", (t) => {
  for (const code of codes) {
    const { status: http, body } = toHttpError(new AnclaError(code, "what happened"));
    const expected = Math.min(errorEntries[code].http, 500);
    t.equal(http, expected, `${code} → ${http}`);
    t.equal(body.error.code, http < 500 ? code : "ANCLA_E_INTERNAL");
    if (http >= 500) t.notMatch(body.error.message, /what happened/, "no internals leak");
  }
  t.end();
});

t.test("a line relayed from the server carries its hint once", (t) => {
  const sent = toRpcError(new AnclaError("ANCLA_E_CERT_REVOKED", "certificate of web-01 is revoked"));
  const back = asTransportError(serviceError(sent.code, sent.message), "localhost:8140") as AnclaError;
  t.equal(back.line, `ANCLA_E_CERT_REVOKED: certificate of web-01 is revoked (${errorEntries.ANCLA_E_CERT_REVOKED.hint})`);
  t.end();
});
