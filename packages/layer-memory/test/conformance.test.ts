import { describeChannelLayer } from "@channels-ts/layer-conformance";
import { InMemoryChannelLayer } from "../src/index";

describeChannelLayer("InMemoryChannelLayer", (options) => new InMemoryChannelLayer(options));
