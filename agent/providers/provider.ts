// The provider contract (after mgmt's CheckApply): one function answers "is it
// right?" and, only when asked, makes it right. Noop and apply share the same
// code path, so what a noop run reports is what a real run would do.
import type { JsonValue, Resource } from "../../catalog/model.js";
import { AnclaError, type AnclaErrorCode } from "../../proto/errors.js";

export interface ProviderContext {
  /** Content named by SHA-256 in the catalog. The provider verifies the digest itself. */
  fetchContent(sha256: string): Promise<Uint8Array>;
}

/** One property that is not as desired. Values are what reports show (e.g. "sha256:<hex>" for content). */
export interface PropertyChange {
  property: string;
  desired: JsonValue;
  actual: JsonValue;
}

export interface CheckResult {
  /** Empty when the resource is in sync. */
  changes: PropertyChange[];
  /** True when the changes were made (checkApply was called with apply = true and there were changes). */
  applied: boolean;
}

export interface Provider {
  /** Compare the host with `resource`; when `apply` is true, also make it so. Throws on failure. */
  checkApply(resource: Resource, apply: boolean, ctx: ProviderContext): Promise<CheckResult>;
  /** React to a notify from a changed resource (e.g. restart a service). */
  refresh?(resource: Resource, ctx: ProviderContext): Promise<void>;
  /**
   * Refs this resource requires whenever they are in the catalog, without the site
   * saying so (Puppet's autorequire); `isManaged` tells which refs are in the catalog.
   */
  autorequire?(resource: Resource, isManaged: (ref: string) => boolean): string[];
}

/** A failure a provider can pin on one property, so the report says what could not be done. */
export class ResourceFailure extends AnclaError {
  constructor(
    readonly property: string,
    detail: string,
    code: AnclaErrorCode = "ANCLA_E_RESOURCE_FAILED",
    options?: { cause?: unknown },
  ) {
    super(code, detail, options);
    this.name = "ResourceFailure";
  }
}
