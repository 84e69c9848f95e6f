// What the server tells a host that installs its agent from it: the agent
// package (its SHA-256, computed once per version of the file), the TLS key
// pin curl checks, the CA fingerprint bootstrap checks, and the install
// script with all of them baked in.
import { createHash, X509Certificate } from "node:crypto";
import { createReadStream, statSync } from "node:fs";
import { certificateFingerprint } from "../../pki/fingerprint.js";
import { AnclaError } from "../../core/errors.js";
import { renderInstallScript } from "./script.js";

export interface InstallOptions {
  /** The agent .deb offered at /install/ancla-agent.deb. */
  agentPackage: string;
  caCertPem: string;
  /** The HTTPS certificate, whose public key the install command pins. */
  tlsCertPem: string;
  /** The name in the server certificate: where hosts reach this server unless told otherwise. */
  hostname: string;
  grpcPort: number;
  /** HOST:PORT hosts reach the HTTPS API at, when not the certificate's name and the listening port (a port forward). */
  publicAddress?: string;
}

export interface InstallInfo {
  hostname: string;
  grpcPort: number;
  pin: string;
  caFingerprint: string;
  agentPackage: { sha256: string; size: number };
}

/** The package's size and a key that changes when the file is replaced; a clear error when it is missing. */
export function statAgentPackage(file: string): { key: string; size: number } {
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new AnclaError("ANCLA_E_CONFIG", `agent package ${file} is not a file`);
    return { key: `${st.size}:${st.mtimeMs}:${st.ino}`, size: st.size };
  } catch (err) {
    if (err instanceof AnclaError) throw err;
    throw new AnclaError("ANCLA_E_CONFIG", `agent package ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
}

/** curl's --pinnedpubkey form: sha256// and the base64 SHA-256 of the certificate's SubjectPublicKeyInfo (DER). */
export function publicKeyPin(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: "spki", format: "der" });
  return `sha256//${createHash("sha256").update(spki).digest("base64")}`;
}

export class Installer {
  private readonly pin: string;
  private readonly caFingerprint: string;
  /** The package's digest, for the file as it was when hashed (an upgrade of the server package replaces it). */
  private digest?: { key: string; sha256: string; size: number };

  constructor(private readonly opts: InstallOptions) {
    statAgentPackage(opts.agentPackage); // A missing package is a start-up error, not a 404 a host meets later.
    this.pin = publicKeyPin(opts.tlsCertPem);
    this.caFingerprint = certificateFingerprint(opts.caCertPem);
  }

  get packageFile(): string {
    return this.opts.agentPackage;
  }

  async info(): Promise<InstallInfo> {
    return { hostname: this.opts.hostname, grpcPort: this.opts.grpcPort, pin: this.pin, caFingerprint: this.caFingerprint, agentPackage: await this.packageDigest() };
  }

  /**
   * The script for a host that fetched it from this server's HTTPS port `httpsPort`. The address is the
   * configured one (public_address, else the server certificate's name), never the request's Host
   * header: whoever sends the request chooses that header, and a script must only point at this server.
   */
  async script(httpsPort: number): Promise<string> {
    const { sha256 } = await this.packageDigest();
    const certName = this.opts.hostname.includes(":") ? `[${this.opts.hostname}]` : this.opts.hostname;
    const address = this.opts.publicAddress ?? `${certName}:${httpsPort}`;
    const name = address.slice(0, address.lastIndexOf(":"));
    return renderInstallScript({ origin: `https://${address}`, grpc: `${name}:${this.opts.grpcPort}`, pin: this.pin, caFingerprint: this.caFingerprint, debSha256: sha256 });
  }

  private async packageDigest(): Promise<{ sha256: string; size: number }> {
    const { key, size } = statAgentPackage(this.opts.agentPackage);
    if (this.digest?.key !== key) {
      const hash = createHash("sha256");
      for await (const chunk of createReadStream(this.opts.agentPackage)) hash.update(chunk as Buffer);
      this.digest = { key, sha256: hash.digest("hex"), size };
    }
    return { sha256: this.digest.sha256, size: this.digest.size };
  }
}
