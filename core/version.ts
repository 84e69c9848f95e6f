// The version every binary prints for --version. A constant rather than a
// read of package.json: the agent ships as one executable with no package.json
// beside it. test/architecture/version-agrees.test.ts keeps the two equal.
export const ANCLA_VERSION = "0.1.0";
