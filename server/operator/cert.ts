// `ancla cert list | sign NAME | reject NAME | revoke NAME`
import type { Subcommand } from "../../proto/cli.js";
import type { CertView } from "../http/views.js";
import { ApiClient } from "./client.js";
import { CONNECTION_FLAGS, resolveConnection } from "./connection.js";
import { print, table, when } from "./output.js";

const flags = { ...CONNECTION_FLAGS, json: { type: "boolean" } } as const;
const path = (name: string, action: string): string => `/certs/${encodeURIComponent(name)}/${action}`;

export const certCommands: Record<string, Subcommand> = {
  "cert list": {
    usage: "cert list [--json]",
    summary: "list certificate requests and certificates",
    flags,
    async run(args) {
      const { certificates } = await new ApiClient(resolveConnection(args)).get<{ certificates: CertView[] }>("/certs");
      print(args, certificates, () =>
        table(
          ["CERTNAME", "STATE", "SERIAL", "NOT AFTER", "KEY SHA-256"],
          certificates.map((c) => [c.certname, c.state, c.serial, when(c.not_after), c.public_key_sha256.slice(0, 16)]),
        ),
      );
      return 0;
    },
  },
  "cert sign": {
    usage: "cert sign NAME [--json]",
    summary: "sign the waiting certificate request of a node",
    flags,
    positionals: [1, 1],
    async run(args) {
      const cert = await new ApiClient(resolveConnection(args)).post<CertView>(path(args.positionals[0], "sign"));
      print(args, cert, () => `signed ${cert.certname} (serial ${cert.serial}, valid until ${when(cert.not_after)})\n`);
      return 0;
    },
  },
  "cert reject": {
    usage: "cert reject NAME [--json]",
    summary: "reject the waiting certificate request of a node (its agent stops waiting)",
    flags,
    positionals: [1, 1],
    async run(args) {
      const cert = await new ApiClient(resolveConnection(args)).post<CertView>(path(args.positionals[0], "reject"));
      print(args, cert, () => `rejected the request of ${cert.certname}\n`);
      return 0;
    },
  },
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
