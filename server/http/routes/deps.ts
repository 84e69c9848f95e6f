import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from "fastify";
import type { CertificateService } from "../../ca/service.js";
import type { RolloutController } from "../../rollouts/controller.js";
import type { SecretService } from "../../secrets/service.js";
import type { SloBudgets } from "../../slo/service.js";
import type { StatusOptions } from "../../status.js";
import type { Store } from "../../store/store.js";

/** What the route handlers work with. */
export interface ApiDeps {
  store: Store;
  certs: CertificateService;
  /** Evaluated per request: "now" moves. */
  statusOptions(): StatusOptions;
  /** When the server's own certificates (CA, TLS, signing) expire, read when asked; absent: not shown. */
  serverCertificates?(): Record<string, Date>;
  /** The rollout controller (API, dashboard); absent: the server runs no rollouts (tests of other parts). */
  rollouts?: RolloutController;
  /** The SLOs' budgets (API, dashboard); given with the rollout controller. */
  slos?: SloBudgets;
  /** Secrets (set, rotate, list, delete) and the KEK rotation; absent: the server keeps no secrets (tests of other parts). */
  secrets?: SecretService;
}

/** The API's fastify scope, typed by its TypeBox schemas: a route's params, query and body are what its schema says, and its answer must fit its response schema. */
export type ApiInstance = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;
