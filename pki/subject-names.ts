// The names a certificate is for, as Node's TLS reports them, for messages
// that say which name to use when a connection was refused for its name.

/** The DNS names and IP addresses of `cert`'s subjectAltName ("DNS:localhost, IP Address:10.0.0.1" → ["localhost", "10.0.0.1"]). */
export function subjectAltNames(cert: { subjectaltname?: string } | undefined): string[] {
  return (cert?.subjectaltname ?? "")
    .split(", ")
    .filter((n) => /^(DNS|IP Address):/.test(n))
    .map((n) => n.replace(/^(DNS|IP Address):/, ""));
}
