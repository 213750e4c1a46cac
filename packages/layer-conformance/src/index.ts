/**
 * The channel-layer conformance suite, written once and run against every layer, as Hono runs
 * `common.case.test.ts` against every router. A layer's test file calls:
 *
 *   describeChannelLayer("InMemoryChannelLayer", (options) => new InMemoryChannelLayer(options));
 *
 * The factory gets the options a case needs (capacity, expiry, …) and must return a fresh, empty
 * layer. A layer that cannot do what some cases check lists them in `skip`, each with a reason:
 * they are reported as skipped, with the reason in their name, never left out silently.
 */
import {
  type BaseChannelLayerOptions,
  ChannelFull,
  type ChannelLayer,
  ChannelLayerClosed,
  InvalidChannelNameError,
  InvalidMessageError,
  type LayerMessage,
} from "@channels-ts/core";
import {
  afterEach,
  beforeEach,
  expect,
  type TestFunction,
  vi,
  describe as vitestDescribe,
  it as vitestIt,
} from "vitest";

export type LayerFactory = (options: BaseChannelLayerOptions) => ChannelLayer | Promise<ChannelLayer>;

/** Cases a layer does not run, and why. */
export interface SkippedCases {
  /** Why the layer cannot pass these cases; shown in each skipped case's name. */
  reason: string;
  /**
   * Case names as the report shows them (without the layer's prefix), or whole groups:
   * `"send and receive"`, `"newChannel"`, `"capacity"`, `"expiry"`, `"groups"`, `"flush and close"`,
   * `"after close"`, `"bad input"`. A name that matches no case fails the suite.
   */
  tests: string[];
}

export interface ConformanceOptions {
  /**
   * The expiry the expiry cases use, in ms; layers with a coarse clock (Redis scores are float
   * seconds but keys expire in whole seconds) may ask for more.
   * @default 100
   */
  expiryMs?: number;
  /**
   * The layer's clock is this process's `Date.now()` and timers, so the expiry cases run on
   * vitest's fake timers instead of sleeping. Layers whose expiry runs in a server (Redis,
   * RabbitMQ) leave it off.
   * @default false
   */
  fakeTimers?: boolean;
  /**
   * Cases this layer does not run, each group of them with its reason (as Hono's `skip: [{ reason, tests }]`).
   * @default []
   */
  skip?: SkippedCases[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves with the next message, or with `null` if none comes within `ms`, and never leaves a receiver behind. */
export async function receiveWithin(
  layer: ChannelLayer,
  channel: string,
  ms = 10_000,
): Promise<LayerMessage | null> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error("timeout")), ms);
  try {
    return await layer.receive(channel, controller.signal);
  } catch (error) {
    if (controller.signal.aborted) return null;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

export function describeChannelLayer(
  name: string,
  factory: LayerFactory,
  options: ConformanceOptions = {},
): void {
  const expiryMs = options.expiryMs ?? 100;
  const fakeTimers = options.fakeTimers ?? false;
  const skips = options.skip ?? [];
  const matched = new Set<string>();
  let group: string | undefined;
  const skipReason = (title: string): string | undefined => {
    for (const entry of skips) {
      for (const name of entry.tests) {
        if (name !== title && name !== group) continue;
        matched.add(name);
        return entry.reason;
      }
    }
    return undefined;
  };
  const skippedTitle = (title: string, reason: string) => `${title} [skipped: ${reason}]`;
  // The suite's own `describe` and `it`: they remember the group, and skip what the skip list names.
  const describe = (name: string, body: () => void) =>
    vitestDescribe(name, () => {
      group = name;
      try {
        body();
      } finally {
        group = undefined;
      }
    });
  const it = Object.assign(
    (title: string, fn: TestFunction) => {
      const reason = skipReason(title);
      if (reason === undefined) vitestIt(title, fn);
      else vitestIt.skip(skippedTitle(title, reason), fn);
    },
    {
      each: ((cases: readonly unknown[]) => (title: string, fn: (...args: never[]) => unknown) => {
        const reason = skipReason(title);
        const each = (reason === undefined ? vitestIt : vitestIt.skip).each(cases as unknown[]);
        return each(reason === undefined ? title : skippedTitle(title, reason), fn as () => Promise<void>);
      }) as unknown as typeof vitestIt.each,
    },
  );
  // Expiry on the layer's clock: fake timers where the layer allows them, real time otherwise.
  const elapse = async (ms: number) => {
    if (fakeTimers) await vi.advanceTimersByTimeAsync(ms);
    else await sleep(ms);
  };
  const receiveAfter = async (layer: ChannelLayer, channel: string, ms: number) => {
    const received = receiveWithin(layer, channel, ms);
    if (fakeTimers) await vi.advanceTimersByTimeAsync(ms);
    return received;
  };
  const layers: ChannelLayer[] = [];
  const make = async (layerOptions: BaseChannelLayerOptions = {}) => {
    const layer = await factory({ capacity: 3, ...layerOptions });
    layers.push(layer);
    return layer;
  };

  vitestDescribe(`${name} (channel layer conformance)`, () => {
    afterEach(async () => {
      for (const layer of layers.splice(0)) {
        await layer.flush().catch(() => {}); // a closed layer refuses it
        await layer.close();
      }
    });

    describe("send and receive", () => {
      it("delivers a message sent before the receive", async () => {
        const layer = await make();
        await layer.send("test-channel-1", { type: "test.message", text: "Ahoy-hoy!" });
        await layer.send("test-channel-1", { type: "test.message", text: "Ahoy-hoy!" });
        expect(await layer.receive("test-channel-1")).toEqual({ type: "test.message", text: "Ahoy-hoy!" });
        expect(await layer.receive("test-channel-1")).toEqual({ type: "test.message", text: "Ahoy-hoy!" });
        expect(await receiveWithin(layer, "test-channel-1", 50)).toBeNull();
      });

      it("delivers a message to a receiver that is already waiting", async () => {
        const layer = await make();
        const channel = await layer.newChannel();
        const received = layer.receive(channel);
        await layer.send(channel, { type: "test.message", n: 1 });
        expect(await received).toEqual({ type: "test.message", n: 1 });
      });

      it("keeps messages of one channel in FIFO order", async () => {
        const layer = await make({ capacity: 10 });
        for (let i = 1; i <= 5; i++) await layer.send("test-channel-fifo", { type: "message", n: i });
        const got: unknown[] = [];
        for (let i = 1; i <= 5; i++) got.push((await layer.receive("test-channel-fifo")).n);
        expect(got).toEqual([1, 2, 3, 4, 5]);
      });

      it("carries nested values, bytes, unicode, booleans, null and integers", async () => {
        const layer = await make();
        const channel = await layer.newChannel();
        const message = {
          type: "test.values",
          text: "naïve ☃ 🌍",
          bytes: new Uint8Array([0, 1, 2, 255]),
          nested: { list: [1, "two", [3], { four: 4 }], empty: {}, none: null, yes: true, no: false },
          int: 2 ** 53 - 1,
          negative: -42,
          float: 1.5,
          big: 2n ** 63n - 1n,
        };
        const received = layer.receive(channel);
        await layer.send(channel, message);
        const got = await received;
        expect(got.text).toBe(message.text);
        expect(got.bytes).toBeInstanceOf(Uint8Array);
        expect([...(got.bytes as Uint8Array)]).toEqual([0, 1, 2, 255]);
        expect(got.nested).toEqual(message.nested);
        expect(got.int).toBe(2 ** 53 - 1);
        expect(got.negative).toBe(-42);
        expect(got.float).toBe(1.5);
        expect(got.big).toBe(2n ** 63n - 1n);
      });

      it("copies messages: later changes to the sender's object do not reach the receiver", async () => {
        const layer = await make();
        const channel = await layer.newChannel();
        const message = { type: "test.copy", list: [1, 2], inner: { a: 1 } };
        await layer.send(channel, message);
        message.list.push(3);
        message.inner.a = 2;
        expect(await layer.receive(channel)).toEqual({ type: "test.copy", list: [1, 2], inner: { a: 1 } });
      });

      it("gives each of two waiting receivers one message, first waiter first", async () => {
        const layer = await make();
        const channel = await layer.newChannel();
        const first = layer.receive(channel);
        const second = layer.receive(channel);
        await layer.send(channel, { type: "m", n: 1 });
        await layer.send(channel, { type: "m", n: 2 });
        expect((await first).n).toBe(1);
        expect((await second).n).toBe(2);
      });

      it("loses no message to a receive that was aborted", async () => {
        const layer = await make();
        const channel = await layer.newChannel();
        const controller = new AbortController();
        const aborted = layer.receive(channel, controller.signal);
        controller.abort(new Error("stop"));
        await expect(aborted).rejects.toThrow("stop");
        const live = layer.receive(channel);
        await layer.send(channel, { type: "m", n: 1 });
        expect(await live).toEqual({ type: "m", n: 1 });
      });

      it("rejects a receive whose signal is already aborted", async () => {
        const layer = await make();
        const controller = new AbortController();
        controller.abort(new Error("already"));
        await expect(layer.receive(await layer.newChannel(), controller.signal)).rejects.toThrow("already");
      });
    });

    describe("newChannel", () => {
      it("returns unique process-local names that can be sent to and received from", async () => {
        const layer = await make();
        const a = await layer.newChannel();
        const b = await layer.newChannel();
        expect(a).not.toBe(b);
        expect(a).toMatch(/^specific\.[^!]*![\w\-.]+$/);
        expect(a.length).toBeLessThan(100);
        const received = layer.receive(a);
        await layer.send(a, { type: "hello" });
        expect(await received).toEqual({ type: "hello" });
      });

      it("takes a prefix", async () => {
        const layer = await make();
        expect(await layer.newChannel("foo")).toMatch(/^foo\.[^!]*!/);
      });
    });

    describe("capacity", () => {
      it("throws ChannelFull on the send past capacity", async () => {
        const layer = await make({ capacity: 3 });
        for (let i = 0; i < 3; i++) await layer.send("test-channel-cap", { type: "m", n: i });
        const error = await layer.send("test-channel-cap", { type: "m", n: 3 }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ChannelFull);
        expect((error as Error).name).toBe("ChannelFull");
        expect((error as Error).message).toMatch(/full/);
        // The messages already queued are intact.
        expect((await layer.receive("test-channel-cap")).n).toBe(0);
        await layer.send("test-channel-cap", { type: "m", n: 4 });
      });

      it("honours channelCapacity globs and RegExps, first match wins", async () => {
        const layer = await make({
          capacity: 3,
          channelCapacity: [
            [/^tiny-/, 1],
            ["small-*", 2],
            ["small-x*", 5],
          ],
        });
        await layer.send("tiny-1", { type: "m" });
        await expect(layer.send("tiny-1", { type: "m" })).rejects.toBeInstanceOf(ChannelFull);
        await layer.send("small-xy", { type: "m" });
        await layer.send("small-xy", { type: "m" });
        await expect(layer.send("small-xy", { type: "m" })).rejects.toBeInstanceOf(ChannelFull);
        for (let i = 0; i < 3; i++) await layer.send("other", { type: "m" });
        await expect(layer.send("other", { type: "m" })).rejects.toBeInstanceOf(ChannelFull);
      });

      it("takes channelCapacity as a plain object of globs", async () => {
        const layer = await make({ capacity: 3, channelCapacity: { "small*": 1 } });
        await layer.send("small-1", { type: "m" });
        await expect(layer.send("small-1", { type: "m" })).rejects.toBeInstanceOf(ChannelFull);
      });

      it("never throws ChannelFull from groupSend, and counts what it dropped", async () => {
        const dropped: string[] = [];
        const layer = await make({ capacity: 3, onDrop: (d) => dropped.push(`${d.group}:${d.channel}`) });
        await layer.groupAdd("test-group", "test-gr-chan-1");
        for (let i = 0; i < 5; i++) await layer.groupSend("test-group", { type: "m", n: i });
        const got: unknown[] = [];
        for (let i = 0; i < 3; i++) got.push((await layer.receive("test-gr-chan-1")).n);
        expect(got).toEqual([0, 1, 2]);
        expect(dropped).toEqual(["test-group:test-gr-chan-1", "test-group:test-gr-chan-1"]);
        expect((layer as ChannelLayer & { droppedMessages: number }).droppedMessages).toBe(2);
      });
    });

    describe("expiry", () => {
      beforeEach(() => {
        if (fakeTimers) vi.useFakeTimers();
      });
      afterEach(() => {
        vi.useRealTimers();
      });

      it("drops a message nobody received in time", async () => {
        const layer = await make({ expiryMs });
        await layer.send("test-channel-exp", { type: "m" });
        await elapse(expiryMs * 1.5 + 20);
        expect(await receiveAfter(layer, "test-channel-exp", 100)).toBeNull();
      });

      it("delivers a message sent after older ones expired, and only that one", async () => {
        const layer = await make({ expiryMs });
        for (let i = 1; i <= 3; i++) await layer.send("test-channel-exp2", { type: "m", n: i });
        expect((await layer.receive("test-channel-exp2")).n).toBe(1);
        await elapse(expiryMs * 1.5 + 20);
        await layer.send("test-channel-exp2", { type: "m", n: 4 });
        expect((await layer.receive("test-channel-exp2")).n).toBe(4);
        expect(await receiveAfter(layer, "test-channel-exp2", 50)).toBeNull();
      });

      it("frees capacity taken by expired messages", async () => {
        const layer = await make({ expiryMs, capacity: 1 });
        await layer.send("test-channel-exp3", { type: "m", n: 1 });
        await elapse(expiryMs * 1.5 + 20);
        await layer.send("test-channel-exp3", { type: "m", n: 2 });
        expect((await layer.receive("test-channel-exp3")).n).toBe(2);
      });

      it("forgets group memberships older than groupExpiryMs", async () => {
        const layer = await make({ groupExpiryMs: expiryMs });
        await layer.groupAdd("test-group-exp", "test-chan-exp");
        await elapse(expiryMs * 1.5 + 20);
        await layer.groupSend("test-group-exp", { type: "m" });
        expect(await receiveAfter(layer, "test-chan-exp", 100)).toBeNull();
      });

      it("renews a membership on a second groupAdd", async () => {
        const layer = await make({ groupExpiryMs: expiryMs * 3 });
        await layer.groupAdd("test-group-renew", "test-chan-renew");
        await elapse(expiryMs * 2);
        await layer.groupAdd("test-group-renew", "test-chan-renew");
        await elapse(expiryMs * 2);
        await layer.groupSend("test-group-renew", { type: "m" });
        expect(await receiveAfter(layer, "test-chan-renew", 500)).toEqual({ type: "m" });
      });
    });

    describe("groups", () => {
      it("sends to members and not to channels that left", async () => {
        const layer = await make();
        const [c1, c2, c3] = [await layer.newChannel(), await layer.newChannel(), await layer.newChannel()];
        await layer.groupAdd("test-group", c1);
        await layer.groupAdd("test-group", c2);
        await layer.groupAdd("test-group", c3);
        await layer.groupDiscard("test-group", c2);
        await layer.groupSend("test-group", { type: "message.1" });
        expect(await receiveWithin(layer, c1, 1000)).toEqual({ type: "message.1" });
        expect(await receiveWithin(layer, c3, 1000)).toEqual({ type: "message.1" });
        expect(await receiveWithin(layer, c2, 100)).toBeNull();
      });

      it("sends each member its own copy", async () => {
        const layer = await make();
        const [c1, c2] = [await layer.newChannel(), await layer.newChannel()];
        await layer.groupAdd("copies", c1);
        await layer.groupAdd("copies", c2);
        await layer.groupSend("copies", { type: "m", list: [1] });
        const a = await layer.receive(c1);
        (a.list as number[]).push(2);
        expect(await layer.receive(c2)).toEqual({ type: "m", list: [1] });
      });

      it("counts a channel added twice once", async () => {
        const layer = await make();
        const c = await layer.newChannel();
        await layer.groupAdd("twice", c);
        await layer.groupAdd("twice", c);
        await layer.groupSend("twice", { type: "m" });
        expect(await receiveWithin(layer, c, 1000)).toEqual({ type: "m" });
        expect(await receiveWithin(layer, c, 100)).toBeNull();
      });

      it("takes discards of unknown members and sends to unknown groups quietly", async () => {
        const layer = await make();
        await layer.groupDiscard("nobody-here", "no-channel");
        await layer.groupSend("nobody-here", { type: "m" });
        await layer.groupAdd("one", "chan-a");
        await layer.groupDiscard("one", "chan-b");
      });

      it("reaches plain and process-local channels alike", async () => {
        const layer = await make();
        const local = await layer.newChannel();
        await layer.groupAdd("mixed", local);
        await layer.groupAdd("mixed", "plain-channel");
        await layer.groupSend("mixed", { type: "m" });
        expect(await receiveWithin(layer, local, 1000)).toEqual({ type: "m" });
        expect(await receiveWithin(layer, "plain-channel", 1000)).toEqual({ type: "m" });
      });
    });

    describe("flush and close", () => {
      it("flush drops queued messages and groups", async () => {
        const layer = await make();
        await layer.send("flush-me", { type: "m" });
        await layer.groupAdd("flush-group", "flush-member");
        await layer.flush();
        expect(await receiveWithin(layer, "flush-me", 100)).toBeNull();
        await layer.groupSend("flush-group", { type: "m" });
        expect(await receiveWithin(layer, "flush-member", 100)).toBeNull();
      });

      it("keeps receivers that were waiting across a flush", async () => {
        const layer = await make();
        const channel = await layer.newChannel();
        const waiting = layer.receive(channel);
        await layer.flush();
        await layer.send(channel, { type: "after.flush" });
        expect(await waiting).toEqual({ type: "after.flush" });
      });

      it("close rejects waiting and later receives with ChannelLayerClosed", async () => {
        const layer = await factory({});
        const waiting = layer.receive(await layer.newChannel());
        await layer.close();
        await expect(waiting).rejects.toBeInstanceOf(ChannelLayerClosed);
        await expect(layer.receive("anything")).rejects.toBeInstanceOf(ChannelLayerClosed);
        await layer.close(); // idempotent
      });
    });

    describe("after close", () => {
      // One rule for every layer: after close(), every method but close() rejects with
      // ChannelLayerClosed, so a late call fails the same way whatever the backend.
      const calls: Array<[string, (layer: ChannelLayer, channel: string) => Promise<unknown>]> = [
        ["send", (layer, channel) => layer.send(channel, { type: "m" })],
        ["receive", (layer, channel) => layer.receive(channel)],
        ["newChannel", (layer) => layer.newChannel()],
        ["groupAdd", (layer, channel) => layer.groupAdd("closed-group", channel)],
        ["groupDiscard", (layer, channel) => layer.groupDiscard("closed-group", channel)],
        ["groupSend", (layer) => layer.groupSend("closed-group", { type: "m" })],
        ["flush", (layer) => layer.flush()],
      ];
      it.each(calls)("%s rejects with ChannelLayerClosed", async (_method, call) => {
        const layer = await make();
        const channel = await layer.newChannel();
        await layer.close();
        await expect(call(layer, channel)).rejects.toBeInstanceOf(ChannelLayerClosed);
        await layer.close(); // idempotent
      });
    });

    describe("bad input", () => {
      const badChannels: unknown[] = [
        "¯\\_(ツ)_/¯",
        "chat".repeat(25),
        "a!b!c",
        "a?b",
        "",
        "chat\n",
        "foo!bar!",
        42,
        null,
      ];

      it.each(badChannels)("rejects the channel name %j with InvalidChannelNameError", async (bad) => {
        const layer = await make();
        await expect(layer.send(bad as string, { type: "m" })).rejects.toBeInstanceOf(
          InvalidChannelNameError,
        );
        await expect(layer.receive(bad as string)).rejects.toBeInstanceOf(InvalidChannelNameError);
        await expect(layer.groupAdd("group", bad as string)).rejects.toBeInstanceOf(InvalidChannelNameError);
      });

      it("accepts names of 99 characters and rejects 100", async () => {
        const layer = await make();
        await layer.send("a".repeat(99), { type: "m" });
        await layer.groupAdd("g".repeat(99), "a".repeat(99));
        await expect(layer.send("a".repeat(100), { type: "m" })).rejects.toBeInstanceOf(
          InvalidChannelNameError,
        );
        await expect(layer.groupAdd("g".repeat(100), "a")).rejects.toBeInstanceOf(InvalidChannelNameError);
      });

      it("rejects group names with a ! and says what is allowed", async () => {
        const layer = await make();
        const error = await layer.groupAdd("foo!bar", "chan").catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InvalidChannelNameError);
        expect(error).toBeInstanceOf(TypeError);
        expect((error as Error).message).toMatch(/Group name must be .*ASCII/);
        await expect(layer.groupSend("foo!bar", { type: "m" })).rejects.toBeInstanceOf(
          InvalidChannelNameError,
        );
        await expect(layer.groupDiscard("foo!bar", "chan")).rejects.toBeInstanceOf(InvalidChannelNameError);
      });

      it.each([
        ["a string", "hello"],
        ["an array", [{ type: "m" }]],
        ["null", null],
        ["an object without type", { text: "hi" }],
        ["a non-string type", { type: 3 }],
        ["the reserved __asgi_channel__ key", { type: "m", __asgi_channel__: "x" }],
      ])("rejects %s as a message with InvalidMessageError", async (_what, bad) => {
        const layer = await make();
        await expect(layer.send("chan", bad as LayerMessage)).rejects.toBeInstanceOf(InvalidMessageError);
        await expect(layer.groupSend("group", bad as LayerMessage)).rejects.toBeInstanceOf(
          InvalidMessageError,
        );
      });

      it.each([
        ["a function", { type: "m", f: () => 1 }, /function/],
        ["a Date", { type: "m", when: new Date(0) }, /Date.*toISOString/],
        ["a Map", { type: "m", map: new Map() }, /Map/],
        ["a class instance", { type: "m", v: new (class Point {})() }, /Point/],
      ])("rejects a message holding %s at send, naming where", async (_what, bad, pattern) => {
        const layer = await make();
        const error = await layer.send("chan", bad as LayerMessage).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InvalidMessageError);
        expect((error as Error).message).toMatch(pattern);
        expect((error as Error).message).toMatch(/message\.\w+/);
      });

      // `{ ...JSON.parse(frame) }` keeps an own "__proto__" key: copied with `copy[key] = …` it
      // would become the receiver's prototype (isAdmin === true). Every layer refuses it at send,
      // on the same-process fast path (a channel of this layer) as much as across processes.
      it.each([
        ["at the top", '{"type":"m","__proto__":{"isAdmin":true}}', /message\.__proto__/],
        [
          "nested",
          '{"type":"m","user":{"name":"x","__proto__":{"isAdmin":true}}}',
          /message\.user\.__proto__/,
        ],
        [
          "in an array",
          '{"type":"m","items":[{"__proto__":{"isAdmin":true}}]}',
          /message\.items\[0\]\.__proto__/,
        ],
      ])(
        "refuses an own __proto__ key %s with InvalidMessageError, on every path",
        async (_where, json, where) => {
          const layer = await make();
          const bad = { ...JSON.parse(json) } as LayerMessage;
          const local = await layer.newChannel();
          await layer.groupAdd("protos", local);
          for (const attempt of [
            layer.send("chan", bad),
            layer.send(local, bad),
            layer.groupSend("protos", bad),
            layer.groupSend("nobody", bad),
          ]) {
            const error = await attempt.catch((e: unknown) => e);
            expect(error).toBeInstanceOf(InvalidMessageError);
            expect((error as Error).message).toMatch(where);
            expect((error as Error).message).toMatch(/"__proto__" key/);
          }
          const next = receiveWithin(layer, local);
          await layer.send(local, { type: "after" });
          const got = await next;
          expect(got).toEqual({ type: "after" });
          expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
        },
      );

      it("rejects a cyclic message at send", async () => {
        const layer = await make();
        const cyclic: LayerMessage = { type: "m" };
        cyclic.self = cyclic;
        await expect(layer.send("chan", cyclic)).rejects.toBeInstanceOf(InvalidMessageError);
      });
    });

    vitestIt("the skip list names only cases of this suite", () => {
      const unknown = skips.flatMap((entry) => entry.tests).filter((name) => !matched.has(name));
      expect(unknown, "skip entries that match no case or group").toEqual([]);
    });
  });
}
