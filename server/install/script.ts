// The install script a host runs (`ancla install-command` prints how), made
// per request with this server's address, its TLS key pin, its CA fingerprint
// and the agent package's SHA-256 baked in. POSIX sh (Debian's dash), so it
// runs on a host that has nothing but the base system and curl.
import { AnclaError } from "../../core/errors.js";

export interface InstallScriptValues {
  /** https://HOST:PORT: this server's configured name and HTTPS port. */
  origin: string;
  /** HOST:PORT agents dial (mTLS gRPC). */
  grpc: string;
  /** curl's form: sha256//BASE64 of the TLS certificate's SubjectPublicKeyInfo. */
  pin: string;
  /** SHA256:AB:CD:..., what `ancla-agent bootstrap` checks the CA against. */
  caFingerprint: string;
  /** Lowercase hex SHA-256 of the agent .deb. */
  debSha256: string;
}

/** Every value lands in single quotes; each is checked so none can carry a quote, a newline or a command. */
const SAFE: Record<keyof InstallScriptValues, RegExp> = {
  origin: /^https:\/\/(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/,
  grpc: /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}$/,
  pin: /^sha256\/\/[A-Za-z0-9+/]{43}=$/,
  caFingerprint: /^SHA256:[0-9A-F]{2}(?::[0-9A-F]{2}){31}$/,
  debSha256: /^[0-9a-f]{64}$/,
};

export function renderInstallScript(values: InstallScriptValues): string {
  for (const [key, pattern] of Object.entries(SAFE)) {
    const value = values[key as keyof InstallScriptValues];
    if (!pattern.test(value)) throw new AnclaError("ANCLA_E_USAGE", `install script: ${key} ${JSON.stringify(value)} is not of the expected form`);
  }
  return TEMPLATE.replace("@ORIGIN@", values.origin)
    .replace("@GRPC@", values.grpc)
    .replace("@PIN@", values.pin)
    .replace("@CA_FINGERPRINT@", values.caFingerprint)
    .replace("@DEB_SHA256@", values.debSha256);
}

const TEMPLATE = `#!/bin/sh
# Installs the Ancla agent from the server below and enrols this host.
# Made by that server for this download. Usage, as root:
#   sh install.sh --token TOKEN [--certname NAME]
# (\`ancla install-command\` on the server prints the whole command.)
set -eu

ANCLA_URL='@ORIGIN@'
ANCLA_SERVER='@GRPC@'
ANCLA_PIN='@PIN@'
ANCLA_CA_FINGERPRINT='@CA_FINGERPRINT@'
ANCLA_DEB_SHA256='@DEB_SHA256@'

fail() {
    echo "ancla install: $*" >&2
    exit 1
}

usage="usage: sh install.sh --token TOKEN [--certname NAME]"
token=''
certname=''
while [ $# -gt 0 ]; do
    case "$1" in
        --token) [ $# -ge 2 ] || fail "--token needs a value; $usage"; token=$2; shift 2 ;;
        --certname) [ $# -ge 2 ] || fail "--certname needs a value; $usage"; certname=$2; shift 2 ;;
        *) fail "unknown argument $1; $usage" ;;
    esac
done
[ -n "$token" ] || fail "a bootstrap token is needed; $usage"
[ "$(id -u)" -eq 0 ] || fail "run it as root: it installs a package and a service"
for tool in curl dpkg sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing (this installer is for Debian and its derivatives)"
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
deb="$work/ancla-agent.deb"

# The server's certificate comes from Ancla's own CA, which this host does not
# trust yet: -k skips the CA check, and the pinned public key is what
# authenticates the server (curl refuses any other key before sending anything).
curl -fsS -k --pinnedpubkey "$ANCLA_PIN" -o "$deb" "$ANCLA_URL/install/ancla-agent.deb" ||
    fail "could not download the agent package from $ANCLA_URL over the pinned connection (a server whose key does not match is refused); nothing was installed"
actual=$(sha256sum "$deb" | cut -d ' ' -f 1)
[ "$actual" = "$ANCLA_DEB_SHA256" ] ||
    fail "the agent package's SHA-256 is $actual, expected $ANCLA_DEB_SHA256; refused, nothing was installed"

# dpkg's errors stay on stderr; its progress (and the package's own "not
# enrolled yet" hint, which this script acts on next) would only confuse.
dpkg -i "$deb" >/dev/null
echo "ancla install: ancla-agent $(dpkg-query -W -f '\${Version}' ancla-agent) installed; enrolling with $ANCLA_SERVER"
# bootstrap itself refuses a CA whose fingerprint is not this one.
set -- --server "$ANCLA_SERVER" --ca-fingerprint "$ANCLA_CA_FINGERPRINT" --token "$token"
[ -z "$certname" ] || set -- "$@" --certname "$certname"
ancla-agent bootstrap "$@"
if [ -d /run/systemd/system ]; then
    systemctl enable --now ancla-agent
    echo "ancla install: enrolled with $ANCLA_SERVER; the ancla-agent service is running"
else
    systemctl enable ancla-agent
    echo "ancla install: enrolled with $ANCLA_SERVER; systemd is not running here, so the service starts at the next boot"
fi
`;
