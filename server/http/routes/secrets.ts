// Secrets: set and rotate (admin; the value travels once, base64 in the
// body, and is sealed at once), list (operator; names, scopes, versions, who
// and when, never a value), delete (admin), and the KEK rotation. Nothing
// here answers a value: there is no route that reads one back.
import Type, { type Static } from "typebox";
import { SECRET_NAME } from "../../../catalog/secrets/markers.js";
import { MAX_SECRET_BYTES, type SecretService } from "../../secrets/service.js";
import type { SecretRecord } from "../../store/store.js";
import { actorOf, requireRole } from "../auth.js";
import { arrayOf, bool, int, nullable, nullableStr, object, opt, responses, str, time } from "../schemas.js";
import type { ApiInstance } from "./deps.js";

const tags = ["secrets"];

const secretSchema = object({
  name: str,
  environment: nullable(str, { description: "only nodes of this environment may use it; null: any" }),
  nodes: nullable(str, { description: "only nodes whose certname matches this glob may use it; null: any" }),
  description: nullableStr,
  version: Type.Integer({ description: "the newest version, the one catalogs get" }),
  versions: int,
  created_by: str,
  created_at: time,
  updated_by: str,
  updated_at: time,
});
export type SecretJson = Static<typeof secretSchema>;

const kekRotationSchema = object({ kek_version: int, rewrapped: int, retired: arrayOf(int) });
export type KekRotationJson = Static<typeof kekRotationSchema>;

/** Base64 of at most MAX_SECRET_BYTES. */
const valueField = Type.String({ minLength: 1, maxLength: Math.ceil(MAX_SECRET_BYTES / 3) * 4, pattern: "^[A-Za-z0-9+/]*={0,2}$", description: "the value, base64" });
const nameParams = object({ name: Type.String({ pattern: SECRET_NAME.source }) });
const setBody = object({
  value_base64: valueField,
  environment: opt(Type.String({ minLength: 1, maxLength: 63 })),
  nodes: opt(Type.String({ minLength: 1, maxLength: 256, description: "certname glob (picomatch)" })),
  description: opt(Type.String({ maxLength: 500 })),
});

function secretView(s: SecretRecord): SecretJson {
  return {
    name: s.name,
    environment: s.environment ?? null,
    nodes: s.nodesGlob ?? null,
    description: s.description ?? null,
    version: s.version,
    versions: s.versions,
    created_by: s.createdBy,
    created_at: s.createdAt.toISOString(),
    updated_by: s.updatedBy,
    updated_at: s.updatedAt.toISOString(),
  };
}

const bytesOf = (base64: string): Buffer => Buffer.from(base64, "base64");

export function secretRoutes(secrets: SecretService) {
  return async (app: ApiInstance): Promise<void> => {
    const admin = requireRole("admin");
    app.get(
      "/secrets",
      {
        preHandler: requireRole("operator"),
        schema: { tags, summary: "every secret: name, scope, versions, who set it and when; never a value", response: responses(object({ secrets: arrayOf(secretSchema) })) },
      },
      async () => ({ secrets: (await secrets.list()).map(secretView) }),
    );
    app.put(
      "/secrets/:name",
      {
        preHandler: admin,
        schema: {
          tags,
          summary: "set a secret: create it, or give it a new version with this value and scope (admin, audited; the value is never answered)",
          params: nameParams,
          body: setBody,
          response: responses(secretSchema),
        },
      },
      async (request) => {
        const { value_base64, environment, nodes, description } = request.body;
        return secretView(await secrets.set({ name: request.params.name, value: bytesOf(value_base64), environment, nodesGlob: nodes, description }, actorOf(request)));
      },
    );
    app.post(
      "/secrets/:name/rotate",
      {
        preHandler: admin,
        schema: {
          tags,
          summary: "a new version of a secret with a new value; its scope stays (admin, audited)",
          params: nameParams,
          body: object({ value_base64: valueField }),
          response: responses(secretSchema),
        },
      },
      async (request) => secretView(await secrets.rotate(request.params.name, bytesOf(request.body.value_base64), actorOf(request))),
    );
    app.delete(
      "/secrets/:name",
      { preHandler: admin, schema: { tags, summary: "delete a secret and every version of it (admin, audited)", params: nameParams, response: responses(object({ name: str, deleted: bool })) } },
      async (request) => {
        await secrets.delete(request.params.name, actorOf(request));
        return { name: request.params.name, deleted: true };
      },
    );
    app.post(
      "/kms/rotate",
      {
        preHandler: admin,
        schema: {
          tags,
          summary: "a new key-encryption key: every secret's data key re-wrapped under it, then the old keys nothing needs destroyed (admin, audited)",
          response: responses(kekRotationSchema),
        },
      },
      async (request) => {
        const r = await secrets.rotateKek(actorOf(request));
        return { kek_version: r.kekVersion, rewrapped: r.rewrapped, retired: r.retired };
      },
    );
  };
}
