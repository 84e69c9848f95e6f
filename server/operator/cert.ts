// `ancla cert list | sign NAME | reject NAME | revoke NAME`
import { JSON_FLAG, type Subcommand } from "../../core/cli.js";
import type { CertJson } from "../http/schemas.js";
import { ApiClient } from "./client.js";
import { CONNECTION_FLAGS, resolveConnection } from "./connection.js";
import { print, table, when } from "./output.js";

const flags = { ...CONNECTION_FLAGS, ...JSON_FLAG } as const;
const path = (name: string, action: string): string => `/certs/${encodeURIComponent(name)}/${action}`;

/** `cert VERB NAME`: POST /certs/NAME/VERB, printing the certificate it answers with. */
function certAction(verb: string, summary: string, describe: (cert: CertJson) => string): Subcommand {
  return {
    usage: `cert ${verb} NAME [--json]`,
    summary,
    flags,
    positionals: [1, 1],
    async run(args) {
      const cert = await new ApiClient(resolveConnection(args)).post<CertJson>(path(args.positionals[0], verb));
      print(args, cert, () => `${describe(cert)}\n`);
      return 0;
    },
  };
}

export const certCommands: Record<string, Subcommand> = {
  "cert list": {
    usage: "cert list [--json]",
    summary: "list certificate requests and certificates: state (pending, pending renewal, signed, expired, revoked, rejected) and key fingerprint",
    flags,
    async run(args) {
      const { certificates } = await new ApiClient(resolveConnection(args)).get<{ certificates: CertJson[] }>("/certs");
      print(args, certificates, () =>
        // The whole key fingerprint: the operator compares it with the one the waiting agent printed.
        table(
          ["CERTNAME", "STATE", "SERIAL", "NOT AFTER", "KEY FINGERPRINT"],
          certificates.map((c) => [c.certname, c.status, c.serial, when(c.not_after), c.public_key_fingerprint]),
        ),
      );
      return 0;
    },
  },
  "cert sign": certAction("sign", "sign the waiting certificate request of a node", (c) => `signed ${c.certname} (serial ${c.serial}, valid until ${when(c.not_after)})`),
  "cert reject": certAction("reject", "reject the waiting certificate request of a node (its agent stops waiting)", (c) => `rejected the request of ${c.certname}`),
  "cert revoke": {
    usage: "cert revoke NAME [--json]",
    summary: "revoke every certificate of a node; it must bootstrap again",
    flags,
    positionals: [1, 1],
    async run(args) {
      const revoked = await new ApiClient(resolveConnection(args)).post<{ certname: string; revoked_serials: string[] }>(path(args.positionals[0], "revoke"));
      print(args, revoked, () => `revoked ${revoked.certname} (serial ${revoked.revoked_serials.join(", ")})\n`);
      return 0;
    },
  },
};
