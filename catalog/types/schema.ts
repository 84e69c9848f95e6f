// What a resource type's schema answers: are these properties valid for this
// type, and what are they once normalised (defaults applied, values in their
// canonical spelling)? One schema per type, registered in registry.ts; the
// compiler validates every resource through it, the agent's provider for the
// type receives exactly the normalised properties.
import type { JsonValue } from "../model.js";

export interface PropertyProblem {
  /** The property the problem is about ("" for the resource as a whole, e.g. a bad title). */
  property: string;
  message: string;
}

export interface Validated {
  properties: { [key: string]: JsonValue };
  problems: PropertyProblem[];
  /** Valid, but likely not what was meant (an exec that runs every time); checked only when there are no problems. */
  warnings?: PropertyProblem[];
}

export interface ResourceTypeSchema {
  readonly name: string;
  /** Properties this type accepts (after the compiler resolved template/source into content). */
  readonly properties: readonly string[];
  validate(title: string, properties: { [key: string]: JsonValue }): Validated;
}
