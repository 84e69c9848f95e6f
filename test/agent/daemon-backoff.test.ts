// The daemon's schedule: interval plus splay normally; while the server is
// away, exponential backoff from 15 s, never beyond the interval.
import t from "tap";
import { nextDelaySeconds } from "../../agent/run/daemon.js";

const settings = { runInterval: 1800, splay: 60 };

t.test("after a good run: the interval plus a random splay", async (t) => {
  t.equal(
    nextDelaySeconds(settings, 0, () => 0),
    1800,
  );
  t.equal(
    nextDelaySeconds(settings, 0, () => 0.5),
    1830,
  );
});

t.test("while the server is away: 15, 30, 60 ... seconds, capped at the interval", async (t) => {
  const delays = [1, 2, 3, 4, 10, 20].map((n) => nextDelaySeconds(settings, n, () => 0));
  t.same(delays, [15, 30, 60, 120, 1800, 1800]);
  t.equal(
    nextDelaySeconds({ runInterval: 10, splay: 0 }, 3, () => 0),
    10,
    "never later than the interval",
  );
});
