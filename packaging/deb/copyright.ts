// debian/copyright in the machine-readable format (DEP-5), shared by both packages.
export const APACHE_COPYRIGHT = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: ancla
Source: https://ancla.invalid/

Files: *
Copyright: 2026 Ancla developers
License: Apache-2.0

License: Apache-2.0
 On Debian systems, the complete text of the Apache License, Version 2.0
 can be found in "/usr/share/common-licenses/Apache-2.0".
`;
