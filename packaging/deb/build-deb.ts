// A binary .deb from a staged tree with dpkg-deb: control file, conffiles,
// maintainer scripts, and the copyright and changelog Debian policy asks for.
// Staged in a temp folder beside the output and renamed over it at the end:
// never a half-written package.
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, cpSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { AnclaError } from "../../core/errors.js";

export interface DebFile {
  /** Absolute path inside the package, e.g. /usr/bin/ancla-agent. */
  path: string;
  /** A file to copy, or the content itself. */
  from?: string;
  content?: string | Buffer;
  mode: number;
}

export interface DebSpec {
  name: string;
  version: string;
  description: string;
  /** Extended description lines (the control file's continuation lines). */
  details: string[];
  depends?: string[];
  section: string;
  files: DebFile[];
  /** Paths of files that are configuration (kept on upgrade when edited, removed on purge). */
  conffiles: string[];
  /** postinst, prerm, postrm, ...: the folder holding them. */
  scriptsDir: string;
  scripts: string[];
  /** Written as /usr/share/doc/NAME/copyright. */
  copyright: string;
  /** Lintian tags that do not apply, each with its reason in a comment of the spec. */
  lintianOverrides?: string[];
}

export const MAINTAINER = "Ancla developers <dev@ancla.invalid>";

export function buildDeb(spec: DebSpec, outDir: string): { file: string; bytes: number } {
  const out = join(outDir, `${spec.name}_${spec.version}_amd64.deb`);
  const stage = `${out}.stage`;
  rmSync(stage, { recursive: true, force: true });
  try {
    for (const f of spec.files) place(stage, f);
    const doc = `/usr/share/doc/${spec.name}`;
    place(stage, { path: `${doc}/copyright`, content: spec.copyright, mode: 0o644 });
    // A native package (no Debian revision): its changelog is changelog.gz.
    place(stage, { path: `${doc}/changelog.gz`, content: gzipSync(changelog(spec), { level: 9 }), mode: 0o644 });
    if (spec.lintianOverrides?.length) {
      place(stage, { path: `/usr/share/lintian/overrides/${spec.name}`, content: spec.lintianOverrides.map((o) => `${spec.name}: ${o}`).join("\n") + "\n", mode: 0o644 });
    }
    const debian = join(stage, "DEBIAN");
    mkdirSync(debian, { recursive: true });
    writeFileSync(join(debian, "control"), control(spec, installedSizeKiB(spec)));
    if (spec.conffiles.length) writeFileSync(join(debian, "conffiles"), spec.conffiles.join("\n") + "\n");
    for (const script of spec.scripts) {
      copyFileSync(join(spec.scriptsDir, script), join(debian, script));
      chmodSync(join(debian, script), 0o755);
    }
    const partial = `${out}.partial`;
    // gzip: several times faster to build than xz for a 120 MiB runtime, and every dpkg reads it.
    run("dpkg-deb", ["--root-owner-group", "-Zgzip", "--build", stage, partial]);
    renameSync(partial, out);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  return { file: out, bytes: statSync(out).size };
}

function place(stage: string, f: DebFile): void {
  const target = join(stage, f.path);
  mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
  if (f.from !== undefined) cpSync(f.from, target);
  else writeFileSync(target, f.content ?? "");
  chmodSync(target, f.mode);
}

function installedSizeKiB(spec: DebSpec): number {
  const bytes = spec.files.reduce((sum, f) => sum + (f.from !== undefined ? statSync(f.from).size : Buffer.byteLength(f.content ?? "")), 0);
  return Math.ceil(bytes / 1024);
}

function control(spec: DebSpec, sizeKiB: number): string {
  const fields = [
    `Package: ${spec.name}`,
    `Version: ${spec.version}`,
    `Architecture: amd64`,
    `Maintainer: ${MAINTAINER}`,
    `Installed-Size: ${sizeKiB}`,
    ...(spec.depends?.length ? [`Depends: ${spec.depends.join(", ")}`] : []),
    `Section: ${spec.section}`,
    `Priority: optional`,
    `Homepage: https://ancla.invalid/`,
    `Description: ${spec.description}`,
    ...spec.details.map((line) => (line === "" ? " ." : ` ${line}`)),
  ];
  return fields.join("\n") + "\n";
}

function changelog(spec: DebSpec): string {
  const date = new Date().toUTCString().replace("GMT", "+0000");
  return `${spec.name} (${spec.version}) unstable; urgency=medium\n\n  * Built from the Ancla source tree.\n\n -- ${MAINTAINER}  ${date}\n`;
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new AnclaError("ANCLA_E_IO", `${cmd} ${args.join(" ")} failed (exit ${r.status ?? r.signal}): ${(r.stderr || r.error?.message || "").trim()}`);
}
