// HTTPS requests to the dashboard as a browser would send them (HTML, form
// bodies, cookies, Origin), CA-pinned, without following redirects.
import { readFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { CertificateService } from "../../server/ca/service.js";
import { dataDirPaths } from "../../server/datadir.js";
import { openStore, type Role } from "../../server/store/index.js";

export interface Page {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface Target {
  url: string;
  ca: { certPem: string };
}

export interface PageRequest {
  method?: "GET" | "POST";
  token?: string;
  cookie?: string;
  /** Form fields, sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  /** The Origin header; a POST gets the server's own unless given (null: none). */
  origin?: string | null;
}

export function fetchPage(target: Target, path: string, opts: PageRequest = {}): Promise<Page> {
  const method = opts.method ?? (opts.form ? "POST" : "GET");
  const headers: Record<string, string> = { accept: "text/html" };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.cookie) headers.cookie = opts.cookie;
  const origin = opts.origin === undefined ? (method === "POST" ? new URL(target.url).origin : null) : opts.origin;
  if (origin !== null) headers.origin = origin;
  const body = opts.form ? new URLSearchParams(opts.form).toString() : method === "POST" ? "" : undefined;
  if (body !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
  return new Promise((resolve, reject) => {
    const req = httpsRequest(new URL(path, target.url), { method, headers, ca: target.ca.certPem, servername: "localhost" }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Logs in through the form and returns the cookie header a browser would send back. */
export async function login(target: Target, token: string): Promise<string> {
  const res = await fetchPage(target, "/login", { form: { token, next: "/" } });
  if (res.status !== 303) throw new Error(`login answered ${res.status}: ${res.text}`);
  const setCookie = [res.headers["set-cookie"] ?? []].flat();
  return setCookie.map((c) => c.split(";")[0]).join("; ");
}

/** An operator API token of `role` for a running server, made through the CA service on its own database (as `init` makes the first one). */
export function mintToken(dataDir: string, role: Role, name: string): string {
  const paths = dataDirPaths(dataDir);
  const store = openStore(paths.database);
  try {
    const ca = { certPem: readFileSync(paths.caCert, "utf8"), keyPem: readFileSync(paths.caKey, "utf8") };
    return new CertificateService(store, ca, { agentCertDays: 1 }).createApiToken(role, name).token;
  } finally {
    store.close();
  }
}

export function adminToken(dataDir: string): string {
  return readFileSync(dataDirPaths(dataDir).adminToken, "utf8").trim();
}
