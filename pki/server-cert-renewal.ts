// How far ahead the server's own certificates are renewed: a module of its
// own (no node-forge) because the agent reads it on every run.

/**
 * The server renews its TLS and catalog-signing certificates this many days
 * before they expire, and an agent whose cached catalog was signed by a
 * certificate this close to its end asks for a freshly signed copy.
 */
export const SERVER_CERT_RENEW_DAYS = 30;
