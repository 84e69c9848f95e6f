// Installing the agent from the server. Public (a host has no token yet, and
// neither answer holds a secret): GET /install.sh, the script made for this
// server's configured name and the port it was fetched from (the Host header
// plays no part), and GET /install/ancla-agent.deb. What keeps a host
// from running something else is the key pin in the command that fetches
// them and the SHA-256 in the script. Operators: GET /api/v1/install, what
// `ancla install-command` needs to print that command.
import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import { createReadStream } from "node:fs";
import type { Store } from "../../store/store.js";
import { Installer, type InstallOptions } from "../../install/installer.js";
import type { Static } from "typebox";
import { authenticated, requireRole } from "../auth.js";
import { int, object, responses, str } from "../schemas.js";

const installInfoSchema = object({ hostname: str, grpc_port: int, pin: str, ca_fingerprint: str, agent_package: object({ sha256: str, size: int }) });
export type InstallInfoJson = Static<typeof installInfoSchema>;

export function installRoutes(opts: InstallOptions, store: Store): FastifyPluginAsync {
  const installer = new Installer(opts);
  return async (app: FastifyInstance) => {
    app.get("/install.sh", async (request, reply) => reply.type("text/x-shellscript; charset=utf-8").send(await installer.script(request.socket.localPort ?? 0)));

    app.get("/install/ancla-agent.deb", async (_request, reply) => {
      const { agentPackage } = await installer.info();
      return reply.type("application/vnd.debian.binary-package").header("content-length", agentPackage.size).send(createReadStream(installer.packageFile));
    });

    await app.register(
      authenticated(store, (api) => {
        api.get(
          "/install",
          {
            preHandler: requireRole("operator"),
            schema: {
              tags: ["install"],
              summary: "what a host installing the agent from this server needs: the name and gRPC port to dial, the TLS key pin, the CA fingerprint, the agent package's SHA-256",
              response: responses(installInfoSchema),
            },
          },
          async () => {
            const info = await installer.info();
            return { hostname: info.hostname, grpc_port: info.grpcPort, pin: info.pin, ca_fingerprint: info.caFingerprint, agent_package: info.agentPackage };
          },
        );
      }),
      { prefix: "/api/v1" },
    );
  };
}
