// `ancla artifact push FILE --name NAME --version V` streams an image to the
// server's artifact store (a progress bar on a terminal, nothing on a pipe);
// `ancla artifact list` shows what is stored. Sites name an artifact as
// `artifact: NAME@VERSION`; the catalog carries its SHA-256.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Transform } from "node:stream";
import { JSON_FLAG, str, usageError, type Subcommand } from "../../core/cli.js";
import { AnclaError } from "../../core/errors.js";
import { ApiClient } from "./client.js";
import { CONNECTION_FLAGS, resolveConnection } from "./connection.js";
import { print, table, when } from "./output.js";
import type { ArtifactJson, PushedArtifactJson } from "../http/routes/artifacts.js";

export const artifactCommands: Record<string, Subcommand> = {
  "artifact push": {
    usage: "artifact push FILE --name NAME --version VERSION [--json]",
    summary: "upload an image (tar or tar.gz) to the server's artifact store as NAME@VERSION; sites name it `artifact: NAME@VERSION`",
    flags: {
      ...CONNECTION_FLAGS,
      name: { type: "string", value: "NAME", help: "the artifact's name, as sites name it (artifact: NAME@VERSION)" },
      version: { type: "string", value: "VERSION", help: "its version; artifacts are immutable, so a new image needs a new version" },
      ...JSON_FLAG,
    },
    positionals: [1, 1],
    async run(args) {
      const file = args.positionals[0];
      const name = str(args, "name");
      const version = str(args, "version");
      if (!name || !version) throw usageError("artifact push needs --name NAME and --version VERSION");
      const size = await fileSize(file);
      const client = new ApiClient(resolveConnection(args));
      const bar = process.stderr.isTTY ? progressBar(`${name}@${version}`, size) : undefined;
      const stream = createReadStream(file).pipe(counting((sent) => bar?.(sent)));
      const pushed = await client.upload<PushedArtifactJson>(`/artifacts/${encodeURIComponent(name)}/${encodeURIComponent(version)}`, stream, size).finally(() => bar && process.stderr.write("\n"));
      print(args, pushed, () => `${pushed.created ? "pushed" : "already stored:"} ${pushed.name}@${pushed.version} sha256:${pushed.sha256} (${bytes(pushed.size)})\n`);
      return 0;
    },
  },
  "artifact list": {
    usage: "artifact list [--json]",
    summary: "list the artifacts in the server's artifact store",
    flags: { ...CONNECTION_FLAGS, ...JSON_FLAG },
    positionals: [0, 0],
    async run(args) {
      const { artifacts } = await new ApiClient(resolveConnection(args)).get<{ artifacts: ArtifactJson[] }>("/artifacts");
      print(args, { artifacts }, () =>
        artifacts.length === 0
          ? "no artifacts; push one with `ancla artifact push FILE --name NAME --version VERSION`\n"
          : table(
              ["ARTIFACT", "SHA256", "SIZE", "PUSHED", "BY"],
              artifacts.map((a) => [`${a.name}@${a.version}`, a.sha256.slice(0, 16), bytes(a.size), when(a.pushed_at), a.pushed_by]),
            ),
      );
      return 0;
    },
  },
};

async function fileSize(file: string): Promise<number> {
  const st = await stat(file).catch((err: Error) => {
    throw new AnclaError("ANCLA_E_IO", `cannot read ${file}: ${err.message}`);
  });
  if (!st.isFile()) throw new AnclaError("ANCLA_E_IO", `${file} is not a regular file`);
  return st.size;
}

/** Passes the bytes through, telling `onProgress` how many went by so far. */
function counting(onProgress: (sent: number) => void): Transform {
  let sent = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sent += chunk.length;
      onProgress(sent);
      done(null, chunk);
    },
  });
}

/** A one-line bar redrawn in place on stderr, at most every 100 ms and at the end. */
function progressBar(label: string, total: number): (sent: number) => void {
  let last = 0;
  return (sent) => {
    const now = Date.now();
    if (sent < total && now - last < 100) return;
    last = now;
    const share = total === 0 ? 1 : sent / total;
    const filled = Math.round(share * 30);
    process.stderr.write(`\r${label} [${"#".repeat(filled)}${".".repeat(30 - filled)}] ${Math.floor(share * 100)}% ${bytes(sent)}/${bytes(total)}`);
  };
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
