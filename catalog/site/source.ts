// `source: files/...`: the bytes of a file shipped inside a module. The path is
// confined to the module's files/ directory, also through symlinks, because the
// server reads it with its own rights and would otherwise serve any file it can read.
import { readFile, realpath, stat } from "node:fs/promises";
import path from "node:path";

export type SourceRead = { ok: true; bytes: Uint8Array } | { ok: false; message: string };

export async function readModuleSource(moduleDir: string, source: string): Promise<SourceRead> {
  const filesDir = path.join(moduleDir, "files");
  const wanted = path.resolve(moduleDir, source);
  if (!source.startsWith("files/") || !isInside(filesDir, wanted)) {
    return { ok: false, message: `\`source\` must be a path inside the module's files/ directory, like files/motd, not ${JSON.stringify(source)}` };
  }
  let real: string;
  try {
    real = await realpath(wanted);
  } catch {
    return { ok: false, message: `\`source\` ${source} does not exist in the module` };
  }
  if (!isInside(await realpath(filesDir), real)) {
    return { ok: false, message: `\`source\` ${source} is a link that leads outside the module's files/ directory` };
  }
  if (!(await stat(real)).isFile()) return { ok: false, message: `\`source\` ${source} is not a regular file` };
  return { ok: true, bytes: new Uint8Array(await readFile(real)) };
}

function isInside(dir: string, p: string): boolean {
  const rel = path.relative(dir, p);
  return rel !== "" && rel.split(path.sep)[0] !== ".." && !path.isAbsolute(rel);
}
