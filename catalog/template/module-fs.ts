// The only file system a module's templates see: the files of its templates/
// directory, read into memory when the module is loaded. Nothing else exists,
// so a partial cannot reach outside (no absolute paths, no `..`), and
// rendering never touches the disk.
import path from "node:path";
import type { FS } from "liquidjs";

/** A name no template can have: what impossible paths resolve to, so that lookup fails as "not found". */
const NOWHERE = "\0";

export function moduleTemplatesFs(files: ReadonlyMap<string, string>): FS {
  const read = (name: string): string => {
    const text = files.get(name);
    if (text === undefined) throw new Error(`template ${name} does not exist in the module's templates/`);
    return text;
  };
  return {
    exists: async (name) => files.has(name),
    existsSync: (name) => files.has(name),
    readFile: async (name) => read(name),
    readFileSync: read,
    resolve: (_dir, file, ext) => confinedPath(path.posix.extname(file) ? file : file + ext) ?? NOWHERE,
    contains: async () => true,
    containsSync: () => true,
    sep: "/",
  };
}

/** `file` normalised, or undefined when it would leave its directory (absolute, `..`): template names, data hierarchy paths. */
export function confinedPath(file: string): string | undefined {
  if (file === "" || file.includes("\\") || file.includes("\0") || path.posix.isAbsolute(file)) return undefined;
  const normal = path.posix.normalize(file);
  return normal.split("/").includes("..") ? undefined : normal;
}
