import { describeChannelLayer } from "@channels-ts/layer-conformance";
import { InMemoryChannelLayer } from "../src/index";

// Its clock is Date.now() in this process, so the expiry cases run on fake timers.
describeChannelLayer("InMemoryChannelLayer", (options) => new InMemoryChannelLayer(options), {
  fakeTimers: true,
});
