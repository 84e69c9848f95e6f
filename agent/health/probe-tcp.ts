// A tcp probe: a connection accepted within the timeout is ok; nothing sent.
import { connect } from "node:net";
import type { Probe } from "../../catalog/model.js";
import { refusal, since, timedOut, type Attempt } from "./outcome.js";

export function tcpAttempt(spec: NonNullable<Probe["tcp"]>, timeoutSeconds: number): Promise<Attempt> {
  const start = performance.now();
  return new Promise<Attempt>((resolve) => {
    const socket = connect({ host: spec.host, port: spec.port });
    const done = (attempt: Attempt) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(attempt);
    };
    const timer = setTimeout(() => done(timedOut(timeoutSeconds)), timeoutSeconds * 1000);
    socket.once("connect", () => done({ outcome: "ok", latencyMs: since(start) }));
    socket.once("error", (err) => done(refusal(err, since(start))));
  });
}
