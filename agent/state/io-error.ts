// File system failures as the agent reports them: Node's own messages for
// write, fsync and friends name no path ("ENOSPC: no space left on device,
// write"), so every state and managed-file write wraps its failure in an
// ANCLA_E_IO error that says what was being done to which path.
import { AnclaError } from "../../core/errors.js";

/** `doing` names the act and the path, e.g. "cannot write /etc/motd"; an AnclaError keeps its code and gets the context in front. */
export function ioError(doing: string, err: unknown): AnclaError {
  if (err instanceof AnclaError) return new AnclaError(err.code, `${doing}: ${err.message}`, { cause: err });
  const errno = errnoOf(err);
  // Node's message is "ECODE: what happened, syscall 'path'": keep only what happened.
  const what = (err instanceof Error ? err.message : String(err)).replace(/^E[A-Z0-9]+: /, "").replace(/, \w+( '.*)?$/s, "");
  return new AnclaError("ANCLA_E_IO", `${doing}: ${what}${errno ? ` (${errno})` : ""}`, { cause: err });
}

/** The errno code (ENOSPC, ENOENT, …) of a file system error, also when wrapped by ioError. */
export function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === "string" && /^E[A-Z0-9]+$/.test(code)) return code;
  return err instanceof AnclaError ? errnoOf(err.cause) : undefined;
}
