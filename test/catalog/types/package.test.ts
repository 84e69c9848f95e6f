import t from "tap";
import { packageType } from "../../../catalog/types/package.js";
import { normalised, problems } from "./_helpers.js";

t.test("ensure defaults to installed; present is Puppet's word for it", async (t) => {
  t.same(normalised(t, packageType, "nginx", {}), { ensure: "installed" });
  t.same(normalised(t, packageType, "nginx", { ensure: "present" }), { ensure: "installed" });
  t.same(normalised(t, packageType, "libc6:i386", { ensure: "latest" }), { ensure: "latest" });
  t.same(normalised(t, packageType, "g++", { ensure: "absent" }), { ensure: "absent" });
});

t.test("a version pins the package", async (t) => {
  for (const version of ["1.24.0-1", "1:2.38.1-5+deb12u1", "2.0~rc1"]) {
    t.same(normalised(t, packageType, "nginx", { ensure: version }), { ensure: version });
  }
});

t.test("anything else for ensure is named with the choices", async (t) => {
  t.same(problems(packageType, "nginx", { ensure: "purged" }), ['ensure: `ensure` must be installed, latest, absent or a version like "1.24.0-1", not "purged"']);
  t.same(problems(packageType, "nginx", { ensure: 1.2 }), ['ensure: `ensure` must be installed, latest, absent or a version like "1.24.0-1", not the number 1.2']);
});

t.test("the title must be a Debian package name", async (t) => {
  t.same(problems(packageType, "Nginx", {}), [': `title` must be a Debian package name like "nginx" or "libc6:i386", not "Nginx"']);
  t.same(problems(packageType, "x", {}).length, 1, "one letter is too short");
  t.same(problems(packageType, "-x", {}).length, 1, "must start alphanumeric");
});

t.test("unknown properties", async (t) => {
  t.same(problems(packageType, "nginx", { ensrue: "installed", version: "1" }), [
    "ensrue: package has no property `ensrue`; did you mean `ensure`? (it takes ensure)",
    "version: package has no property `version` (it takes ensure)",
  ]);
});
