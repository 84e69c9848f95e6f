// Content named by digest in the catalog, streamed from the server. A broken
// stream resumes from the bytes already received (a new FetchContent from that
// offset); the provider checks the digest.
import { asTransportError, type AgentClient } from "../transport.js";

const MAX_ATTEMPTS = 3;

/**
 * Chunks of `sha256` from byte `offset` on. Each attempt is one FetchContent
 * call with a deadline of `timeoutMs`; a large image that outlasts it goes on
 * from where the last attempt stopped.
 */
export function contentStreamer(client: AgentClient, server: string, timeoutMs: number): (sha256: string, offset: number) => AsyncIterable<Uint8Array> {
  return async function* (sha256, offset) {
    let received = offset;
    for (let attempt = 1; ; attempt++) {
      const at = received;
      try {
        for await (const chunk of client.fetchContent({ sha256, offset: BigInt(received) }, { timeoutMs })) {
          if (Number(chunk.offset) !== received) throw new Error(`chunk at offset ${chunk.offset}, expected ${received}`);
          received += chunk.data.length;
          yield chunk.data;
        }
        return;
      } catch (err) {
        // An attempt that moved forward earns a fresh count: only a stream that keeps failing in place gives up.
        if (received > at) attempt = 0;
        if (attempt >= MAX_ATTEMPTS) throw asTransportError(err, server);
      }
    }
  };
}

/** The whole content of `sha256`, for content small enough to hold in memory (files). */
export function contentFetcher(client: AgentClient, server: string, timeoutMs: number): (sha256: string) => Promise<Uint8Array> {
  const stream = contentStreamer(client, server, timeoutMs);
  return async (sha256) => {
    const parts: Uint8Array[] = [];
    for await (const data of stream(sha256, 0)) parts.push(data);
    return Buffer.concat(parts);
  };
}
