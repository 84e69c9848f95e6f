// The rules for tokens that the API, the CLI and the CA service all check, in
// a module of their own so that `ancla` can check them without loading the CA
// (node-forge and the store are most of its start-up otherwise).
import type { Role } from "../store/store.js";

export const ROLES: readonly Role[] = ["viewer", "operator", "admin"];
/** Longest a bootstrap token may live: a week covers a provisioning wave; long-lived secrets that mint identities are a liability. */
export const MAX_TOKEN_TTL_SECONDS = 7 * 86_400;
