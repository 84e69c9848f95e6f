// Content named by digest in the catalog, streamed from the server. A broken
// stream resumes from the bytes already received; the provider checks the digest.
import { asTransportError, type AgentClient } from "../transport.js";

const MAX_ATTEMPTS = 3;

export function contentFetcher(client: AgentClient, server: string, timeoutMs: number): (sha256: string) => Promise<Uint8Array> {
  return async (sha256) => {
    const parts: Buffer[] = [];
    let received = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        for await (const chunk of client.fetchContent({ sha256, offset: BigInt(received) }, { timeoutMs })) {
          if (Number(chunk.offset) !== received) throw new Error(`chunk at offset ${chunk.offset}, expected ${received}`);
          parts.push(Buffer.from(chunk.data));
          received += chunk.data.length;
        }
        return Buffer.concat(parts);
      } catch (err) {
        if (attempt >= MAX_ATTEMPTS) throw asTransportError(err, server);
      }
    }
  };
}
