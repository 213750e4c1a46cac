import { describeChannelLayer } from "@channels-ts/layer-conformance";
import { InMemoryChannelLayer } from "./in-memory-layer";

describeChannelLayer("InMemoryChannelLayer", (options) => new InMemoryChannelLayer(options));
