// Searching for a secret's plaintext where it must not be: every file below a
// directory and named texts (logs, API answers, pages), as is, in base64 and in hex.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

export interface FileBytes {
  path: string;
  bytes: Buffer;
}

/** Every regular file below `dir`, with its bytes. */
export function filesBelow(dir: string): FileBytes[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((path) => statSync(path).isFile())
    .map((path) => ({ path, bytes: readFileSync(path) }));
}

/** The names of the texts and the paths of the files that hold `plaintext` in any of its forms. */
export function whereIs(plaintext: string, texts: Record<string, string>, files: FileBytes[]): string[] {
  const forms = [plaintext, Buffer.from(plaintext).toString("base64"), Buffer.from(plaintext).toString("hex")];
  const inTexts = Object.entries(texts)
    .filter(([, text]) => forms.some((f) => text.includes(f)))
    .map(([name]) => name);
  return [...inTexts, ...files.filter((f) => forms.some((form) => f.bytes.includes(form))).map((f) => f.path)];
}
