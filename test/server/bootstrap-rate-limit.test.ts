// The per-address token bucket in front of certificate requests, on an injected clock.
import t from "tap";
import { PeerRateLimiter, peerHost } from "../../server/grpc/rate-limit.js";

t.test("a burst is allowed, then calls come back at the refill rate, per address", async (t) => {
  let now = 0;
  const limiter = new PeerRateLimiter({ burst: 2, perSecond: 0.5 }, () => now);
  const call = (address: string) => {
    limiter.check(address, "requests");
    limiter.spend(address);
  };
  call("10.0.0.1");
  call("10.0.0.1");
  t.throws(() => call("10.0.0.1"), { code: "ANCLA_E_RESOURCE_EXHAUSTED", message: "too many requests from 10.0.0.1; retry in 2s" });
  call("10.0.0.2");
  now = 1000;
  t.throws(() => call("10.0.0.1"), { code: "ANCLA_E_RESOURCE_EXHAUSTED", message: /retry in 1s/ }, "half a call regained");
  now = 2000;
  call("10.0.0.1");
  t.throws(() => call("10.0.0.1"), { code: "ANCLA_E_RESOURCE_EXHAUSTED" });
  now = 60_000;
  call("10.0.0.1");
  call("10.0.0.1");
  t.throws(() => call("10.0.0.1"), { code: "ANCLA_E_RESOURCE_EXHAUSTED" }, "never more than the burst saved up");
});

t.test("check alone takes nothing", async (t) => {
  const limiter = new PeerRateLimiter({ burst: 1, perSecond: 1 }, () => 0);
  for (let i = 0; i < 5; i++) limiter.check("10.0.0.1", "requests");
  limiter.spend("10.0.0.1");
  t.throws(() => limiter.check("10.0.0.1", "requests"), { code: "ANCLA_E_RESOURCE_EXHAUSTED" });
});

t.test("peerHost drops the port and the scheme, one bucket per host", async (t) => {
  t.equal(peerHost("127.0.0.1:51234"), "127.0.0.1");
  t.equal(peerHost("ipv4:10.1.2.3:8140"), "10.1.2.3");
  t.equal(peerHost("ipv6:[::1]:8140"), "::1");
  t.equal(peerHost("::ffff:10.1.2.3:40000"), "::ffff:10.1.2.3");
});
