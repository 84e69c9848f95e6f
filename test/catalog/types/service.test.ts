import t from "tap";
import { serviceType } from "../../../catalog/types/service.js";
import { normalised, problems } from "./_helpers.js";

t.test("ensure and enable are both optional and kept as given", async (t) => {
  t.same(normalised(t, serviceType, "nginx", { ensure: "running", enable: true }), { ensure: "running", enable: true });
  t.same(normalised(t, serviceType, "getty@tty1.service", { ensure: "stopped" }), { ensure: "stopped" });
  t.same(normalised(t, serviceType, "nginx", { enable: false }), { enable: false });
  t.same(normalised(t, serviceType, "nginx", {}), {}, "neither: a service that only restarts on notify");
});

t.test("wrong values", async (t) => {
  t.same(problems(serviceType, "nginx", { ensure: "started", enable: "yes" }), [
    'ensure: `ensure` must be one of running, stopped, not "started"',
    'enable: `enable` must be true or false, not "yes"',
  ]);
});

t.test("the title must be a unit name", async (t) => {
  t.same(problems(serviceType, "my service", {}), [': `title` must be a systemd unit name like "nginx" or "getty@tty1.service", not "my service"']);
  t.same(problems(serviceType, "a/b", {}).length, 1);
});

t.test("unknown properties guess the intended one", async (t) => {
  t.same(problems(serviceType, "nginx", { enabled: true }), ["enabled: service has no property `enabled`; did you mean `enable`? (it takes ensure, enable)"]);
});
