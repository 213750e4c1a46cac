import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { backoffDelay } from "./backoff";
import { type ChannelSocket, type ConnectOptions, connect, RequestError, resolveSocketUrl } from "./connect";
import type { SocketProtocol } from "./protocol";

/** A WebSocket the test drives by hand: `accept()`, `serverSend()`, `serverClose()`. */
class FakeWebSocket {
  static all: FakeWebSocket[] = [];
  static get last(): FakeWebSocket {
    return FakeWebSocket.all.at(-1)!;
  }
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly sent: string[] = [];
  closedWith: [number | undefined, string | undefined] | null = null;
  constructor(
    readonly url: string,
    readonly protocols?: string | string[],
  ) {
    FakeWebSocket.all.push(this);
  }
  send(data: string): void {
    if (this.readyState !== 1) throw new Error("not open");
    this.sent.push(data);
  }
  close(code?: number, reason?: string): void {
    this.closedWith = [code, reason];
    this.readyState = 2;
  }
  accept(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  serverSend(frame: unknown): void {
    this.onmessage?.({ data: typeof frame === "string" ? frame : JSON.stringify(frame) });
  }
  serverClose(code = 1006, reason = ""): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  /** The frames sent, decoded. */
  get frames(): unknown[] {
    return this.sent.map((s) => JSON.parse(s));
  }
}

function open<P extends SocketProtocol = SocketProtocol>(options: ConnectOptions<P> = {}): ChannelSocket<P> {
  return connect<P>("ws://server.test/ws/", { WebSocket: FakeWebSocket, ...options });
}

const hello = { $ch: "hello", v: 1 };

beforeEach(() => {
  FakeWebSocket.all = [];
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe("backoff", () => {
  it("is full jitter under an exponential cap bounded by maxDelayMs", () => {
    const options = { initialDelayMs: 100, maxDelayMs: 1000 };
    const caps = [0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, options, () => 1));
    expect(caps).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(5, options, () => 0)).toBe(0);
    expect(backoffDelay(2, options, () => 0.5)).toBe(200);
  });

  it("waits the jittered delay before the next attempt, and no longer", () => {
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    const socket = open({ reconnect: { initialDelayMs: 1000, maxDelayMs: 8000 } });
    FakeWebSocket.last.accept();
    const delays: number[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      FakeWebSocket.last.serverClose(1006);
      expect(socket.state).toBe("reconnecting");
      const before = FakeWebSocket.all.length;
      let waited = 0;
      while (FakeWebSocket.all.length === before) {
        vi.advanceTimersByTime(100);
        waited += 100;
      }
      delays.push(waited);
    }
    // Half of 1000, 2000, 4000, 8000, 8000 (capped): the attempt counter grows while attempts fail.
    expect(delays).toEqual([500, 1000, 2000, 4000, 4000]);
    // An open connection starts the count again.
    FakeWebSocket.last.accept();
    FakeWebSocket.last.serverClose(1006);
    const before = FakeWebSocket.all.length;
    vi.advanceTimersByTime(499);
    expect(FakeWebSocket.all.length).toBe(before);
    vi.advanceTimersByTime(1);
    expect(FakeWebSocket.all.length).toBe(before + 1);
  });

  it("gives up after maxRetries failed attempts in a row", () => {
    const socket = open({ reconnect: { maxRetries: 2 } });
    const closes: boolean[] = [];
    socket.on("close", (info) => closes.push(info.willReconnect));
    for (let i = 0; i < 3; i++) {
      FakeWebSocket.last.serverClose(1006);
      vi.runOnlyPendingTimers();
    }
    expect(closes).toEqual([true, true, false]);
    expect(socket.state).toBe("closed");
    expect(FakeWebSocket.all).toHaveLength(3);
  });
});

describe("reconnect", () => {
  it.each([1000, 1001, 1006, 1011, 4000, 4100])("reconnects after close code %i", (code) => {
    const socket = open();
    FakeWebSocket.last.accept();
    FakeWebSocket.last.serverClose(code);
    vi.runOnlyPendingTimers();
    expect(FakeWebSocket.all).toHaveLength(2);
    expect(socket.state).toBe("reconnecting");
    FakeWebSocket.last.accept();
    expect(socket.state).toBe("open");
  });

  it.each([1008, 4001, 4003, 4099, 4321])(
    "never reconnects after close code %i (4321 configured)",
    (code) => {
      const socket = open({ noReconnectCodes: [4321] });
      const states: string[] = [];
      socket.on("state", (s) => states.push(s));
      FakeWebSocket.last.accept();
      FakeWebSocket.last.serverClose(code, "go away");
      vi.runAllTimers();
      expect(FakeWebSocket.all).toHaveLength(1);
      expect(states).toEqual(["open", "closed"]);
    },
  );

  it("never reconnects after a deliberate close(), and says so", () => {
    const socket = open();
    const closes: unknown[] = [];
    socket.on("close", (info) => closes.push(info));
    FakeWebSocket.last.accept();
    socket.close(1000, "bye");
    expect(FakeWebSocket.last.closedWith).toEqual([1000, "bye"]);
    FakeWebSocket.last.serverClose(1000); // the close handshake's echo changes nothing
    vi.runAllTimers();
    expect(FakeWebSocket.all).toHaveLength(1);
    expect(closes).toEqual([{ code: 1000, reason: "bye", willReconnect: false }]);
    expect(socket.state).toBe("closed");
  });

  it("does not reconnect with reconnect: false", () => {
    const socket = open({ reconnect: false });
    FakeWebSocket.last.serverClose(1006);
    vi.runAllTimers();
    expect(socket.state).toBe("closed");
    expect(FakeWebSocket.all).toHaveLength(1);
  });

  it("goes connecting → open → reconnecting → open, and the URL function is asked each time", () => {
    let n = 0;
    const socket = connect(() => `ws://server.test/ws/?n=${++n}`, { WebSocket: FakeWebSocket });
    const states: string[] = [socket.state];
    socket.on("state", (s) => states.push(s));
    FakeWebSocket.last.accept();
    FakeWebSocket.last.serverClose(1006);
    vi.runOnlyPendingTimers();
    FakeWebSocket.last.accept();
    expect(states).toEqual(["connecting", "open", "reconnecting", "open"]);
    expect(FakeWebSocket.all.map((ws) => ws.url)).toEqual([
      "ws://server.test/ws/?n=2",
      "ws://server.test/ws/?n=3",
    ]);
  });

  it("retries at once when the browser is back online or the page shows again", () => {
    const target = new EventTarget();
    const document = Object.assign(new EventTarget(), { visibilityState: "hidden" });
    vi.stubGlobal("addEventListener", target.addEventListener.bind(target));
    vi.stubGlobal("removeEventListener", target.removeEventListener.bind(target));
    vi.stubGlobal("document", document);
    vi.spyOn(Math, "random").mockReturnValue(0.99);
    const socket = open({ reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 } });
    FakeWebSocket.last.accept();
    FakeWebSocket.last.serverClose(1006);
    expect(FakeWebSocket.all).toHaveLength(1);
    target.dispatchEvent(new Event("online"));
    expect(FakeWebSocket.all).toHaveLength(2);
    // While that attempt is under way, another trigger opens nothing more.
    target.dispatchEvent(new Event("online"));
    expect(FakeWebSocket.all).toHaveLength(2);
    FakeWebSocket.last.serverClose(1006);
    document.dispatchEvent(new Event("visibilitychange")); // still hidden: nothing
    expect(FakeWebSocket.all).toHaveLength(2);
    document.visibilityState = "visible";
    document.dispatchEvent(new Event("visibilitychange"));
    expect(FakeWebSocket.all).toHaveLength(3);
    // After close() the page's events are no longer watched.
    socket.close();
    target.dispatchEvent(new Event("online"));
    expect(FakeWebSocket.all).toHaveLength(3);
  });
});

describe("send and the offline queue", () => {
  it("plain mode: frames are exactly the app's JSON both ways", () => {
    const socket = open();
    const received: unknown[] = [];
    socket.on("message", (m) => received.push(m));
    FakeWebSocket.last.accept();
    socket.send({ message: "hi" });
    socket.send({ $ch: "ping" });
    expect(FakeWebSocket.last.sent).toEqual(['{"message":"hi"}', '{"$ch":"ping"}']);
    // Before a hello, "$ch" frames are the app's own.
    FakeWebSocket.last.serverSend({ $ch: "res", id: 1 });
    FakeWebSocket.last.serverSend({ message: "hello" });
    expect(received).toEqual([{ $ch: "res", id: 1 }, { message: "hello" }]);
    vi.advanceTimersByTime(120_000);
    expect(FakeWebSocket.last.sent).toHaveLength(2); // no heartbeat pings to a plain server
  });

  it("envelope mode: an app message carrying $ch travels wrapped, and arrives unwrapped", () => {
    const socket = open();
    const received: unknown[] = [];
    socket.on("message", (m) => received.push(m));
    FakeWebSocket.last.accept();
    FakeWebSocket.last.serverSend(hello);
    socket.send({ $ch: "mine" });
    socket.send({ plain: true });
    expect(FakeWebSocket.last.frames).toEqual([{ $ch: "msg", data: { $ch: "mine" } }, { plain: true }]);
    FakeWebSocket.last.serverSend({ $ch: "msg", data: { $ch: "theirs" }, future: "ignored" });
    FakeWebSocket.last.serverSend({ $ch: "unknown-kind" });
    expect(received).toEqual([{ $ch: "theirs" }]);
  });

  it("keeps sends made while offline and flushes them in order on reconnect", () => {
    const socket = open();
    socket.send({ n: 1 });
    FakeWebSocket.last.accept();
    socket.send({ n: 2 });
    FakeWebSocket.last.serverClose(1006);
    socket.send({ n: 3 });
    socket.send({ n: 4 });
    vi.runOnlyPendingTimers();
    expect(FakeWebSocket.last.sent).toEqual([]);
    FakeWebSocket.last.accept();
    expect(FakeWebSocket.all.map((ws) => ws.frames)).toEqual([
      [{ n: 1 }, { n: 2 }],
      [{ n: 3 }, { n: 4 }],
    ]);
  });

  it("drop-oldest: a full queue drops its oldest message and says so", () => {
    const socket = open({ queue: { max: 2 } });
    const dropped: unknown[] = [];
    socket.on("dropped", (message, reason) => dropped.push([message, reason]));
    expect([1, 2, 3].map((n) => socket.send({ n }))).toEqual([true, true, true]);
    expect(dropped).toEqual([[{ n: 1 }, "full"]]);
    FakeWebSocket.last.accept();
    expect(FakeWebSocket.last.frames).toEqual([{ n: 2 }, { n: 3 }]);
  });

  it("refuse: a full queue refuses the new message and says so", () => {
    const socket = open({ queue: { max: 2, whenFull: "refuse" } });
    const dropped: unknown[] = [];
    socket.on("dropped", (message, reason) => dropped.push([message, reason]));
    expect([1, 2, 3].map((n) => socket.send({ n }))).toEqual([true, true, false]);
    expect(dropped).toEqual([[{ n: 3 }, "full"]]);
    FakeWebSocket.last.accept();
    expect(FakeWebSocket.last.frames).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it("close() drops what is queued, and later sends, with reason closed", () => {
    const socket = open();
    const dropped: unknown[] = [];
    socket.on("dropped", (message, reason) => dropped.push([message, reason]));
    socket.send({ n: 1 });
    socket.close();
    expect(socket.send({ n: 2 })).toBe(false);
    expect(dropped).toEqual([
      [{ n: 1 }, "closed"],
      [{ n: 2 }, "closed"],
    ]);
  });

  it("reports frames that are not JSON and goes on", () => {
    const socket = open();
    const errors: string[] = [];
    const received: unknown[] = [];
    socket.on("error", (e) => errors.push(e.message));
    socket.on("message", (m) => received.push(m));
    FakeWebSocket.last.accept();
    FakeWebSocket.last.serverSend("not json{");
    FakeWebSocket.last.onmessage?.({ data: new Uint8Array([1]) });
    FakeWebSocket.last.serverSend({ ok: 1 });
    expect(errors).toHaveLength(2);
    expect(received).toEqual([{ ok: 1 }]);
  });

  it("a listener that throws does not stop the socket", async () => {
    const socket = open();
    socket.on("state", () => {
      throw new Error("listener bug");
    });
    const seen: string[] = [];
    socket.on("state", (s) => seen.push(s));
    const reported = new Promise<unknown>((resolve) => process.once("uncaughtException", resolve));
    FakeWebSocket.last.accept();
    expect(seen).toEqual(["open"]);
    vi.useRealTimers();
    expect(await reported).toHaveProperty("message", "listener bug");
  });
});

describe("request/reply", () => {
  type Calc = { clientRequests: { request: { add: [number, number] }; reply: number } };

  function openEnvelope(options: ConnectOptions<Calc> = {}) {
    const socket = open<Calc>(options);
    FakeWebSocket.last.accept();
    FakeWebSocket.last.serverSend(hello);
    return socket;
  }

  it("resolves with the reply that carries its id", async () => {
    const socket = openEnvelope();
    const a = socket.request({ add: [1, 2] });
    const b = socket.request({ add: [3, 4] });
    expect(FakeWebSocket.last.frames).toEqual([
      { $ch: "req", id: 1, data: { add: [1, 2] } },
      { $ch: "req", id: 2, data: { add: [3, 4] } },
    ]);
    FakeWebSocket.last.serverSend({ $ch: "res", id: 2, data: 7 });
    FakeWebSocket.last.serverSend({ $ch: "res", id: 1, data: 3 });
    expect(await Promise.all([a, b])).toEqual([3, 7]);
  });

  it("rejects with the consumer's error message", async () => {
    const socket = openEnvelope();
    const reply = socket.request({ add: [1, 2] });
    FakeWebSocket.last.serverSend({ $ch: "err", id: 1, error: "Numbers too small." });
    await expect(reply).rejects.toThrow(new RequestError("Numbers too small.", "server"));
    await expect(reply).rejects.toHaveProperty("reason", "server");
  });

  it("times out, and a late reply is ignored", async () => {
    const socket = openEnvelope({ requestTimeoutMs: 5000 });
    const slow = socket.request({ add: [1, 2] });
    const slower = socket.request({ add: [1, 2] }, { timeoutMs: 8000 });
    vi.advanceTimersByTime(5000);
    await expect(slow).rejects.toHaveProperty("reason", "timeout");
    FakeWebSocket.last.serverSend({ $ch: "res", id: 1, data: 3 }); // late: nothing happens
    FakeWebSocket.last.serverSend({ $ch: "res", id: 2, data: 3 });
    await expect(slower).resolves.toBe(3);
  });

  it("a duplicate reply is ignored: a reply arrives once", async () => {
    const socket = openEnvelope();
    const settled: unknown[] = [];
    const first = socket.request({ add: [1, 1] }).then((v) => settled.push(v));
    FakeWebSocket.last.serverSend({ $ch: "res", id: 1, data: 2 });
    FakeWebSocket.last.serverSend({ $ch: "res", id: 1, data: 99 });
    FakeWebSocket.last.serverSend({ $ch: "err", id: 1, error: "twice" });
    await first;
    await Promise.resolve();
    expect(settled).toEqual([2]);
  });

  it("rejects a request whose connection drops, and sends a queued one after the reconnect", async () => {
    const socket = openEnvelope();
    const lost = socket.request({ add: [1, 2] });
    FakeWebSocket.last.serverClose(1006);
    await expect(lost).rejects.toHaveProperty("reason", "disconnected");
    const queued = socket.request({ add: [2, 2] });
    vi.advanceTimersByTime(500); // the first retry waits at most initialDelayMs
    FakeWebSocket.last.accept();
    FakeWebSocket.last.serverSend(hello);
    expect(FakeWebSocket.last.frames).toEqual([{ $ch: "req", id: 2, data: { add: [2, 2] } }]);
    // A reply to the old connection's id on the new one is ignored.
    FakeWebSocket.last.serverSend({ $ch: "res", id: 1, data: 3 });
    FakeWebSocket.last.serverSend({ $ch: "res", id: 2, data: 4 });
    await expect(queued).resolves.toBe(4);
  });

  it("a request that times out while queued is never sent; one refused by a full queue rejects", async () => {
    const socket = open<Calc>({ queue: { max: 1, whenFull: "refuse" } });
    const timedOut = socket.request({ add: [1, 1] }, { timeoutMs: 100 });
    vi.advanceTimersByTime(100);
    await expect(timedOut).rejects.toHaveProperty("reason", "timeout");
    socket.send({ add: [0, 0] } as never);
    await expect(socket.request({ add: [1, 1] })).rejects.toHaveProperty("reason", "full");
    FakeWebSocket.last.accept();
    expect(FakeWebSocket.last.frames).toEqual([{ add: [0, 0] }]);
  });

  it("close() rejects every pending request", async () => {
    const socket = openEnvelope();
    const pending = socket.request({ add: [1, 2] });
    socket.close();
    await expect(pending).rejects.toBeInstanceOf(RequestError);
  });

  it("answers the server's requests with onRequest, and refuses with the thrown message", async () => {
    open({
      onRequest: async (request) => {
        if ((request as { fail?: boolean }).fail) throw new Error("Cannot do that.");
        return { echoed: request };
      },
    });
    const ws = FakeWebSocket.last;
    ws.accept();
    ws.serverSend(hello);
    ws.serverSend({ $ch: "req", id: 7, data: { x: 1 } });
    ws.serverSend({ $ch: "req", id: 8, data: { fail: true } });
    await vi.waitFor(() => expect(ws.sent).toHaveLength(2));
    expect(ws.frames).toEqual([
      { $ch: "res", id: 7, data: { echoed: { x: 1 } } },
      { $ch: "err", id: 8, error: "Cannot do that." },
    ]);
  });

  it("refuses the server's requests without onRequest", async () => {
    open();
    const ws = FakeWebSocket.last;
    ws.accept();
    ws.serverSend(hello);
    ws.serverSend({ $ch: "req", id: 1, data: {} });
    await vi.waitFor(() => expect(ws.sent).toHaveLength(1));
    expect(ws.frames[0]).toMatchObject({ $ch: "err", id: 1 });
  });
});

describe("heartbeat", () => {
  it("pings after intervalMs of silence and drops a connection that stays silent timeoutMs more", () => {
    const socket = open({ heartbeat: { intervalMs: 1000, timeoutMs: 500 } });
    const closes: unknown[] = [];
    socket.on("close", (info) => closes.push(info));
    const ws = FakeWebSocket.last;
    ws.accept();
    ws.serverSend(hello);
    vi.advanceTimersByTime(999);
    expect(ws.sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ws.frames).toEqual([{ $ch: "ping" }]);
    ws.serverSend({ $ch: "pong" }); // answered: silence starts over
    vi.advanceTimersByTime(999);
    expect(ws.sent).toHaveLength(1);
    ws.serverSend({ chat: "any frame counts" });
    vi.advanceTimersByTime(999);
    expect(ws.sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(ws.sent).toHaveLength(2);
    vi.advanceTimersByTime(499);
    expect(socket.state).toBe("open");
    vi.advanceTimersByTime(1);
    // Dead: left behind at once (a half-open socket's close could take minutes), and reconnecting.
    expect(socket.state).toBe("reconnecting");
    expect(ws.closedWith).toEqual([4000, "no heartbeat reply"]);
    expect(closes).toEqual([{ code: 1006, reason: "no heartbeat reply", willReconnect: true }]);
    vi.runOnlyPendingTimers();
    expect(FakeWebSocket.all).toHaveLength(2);
  });

  it("is off with heartbeat: false", () => {
    const socket = open({ heartbeat: false });
    FakeWebSocket.last.accept();
    FakeWebSocket.last.serverSend(hello);
    vi.advanceTimersByTime(600_000);
    expect(FakeWebSocket.last.sent).toEqual([]);
    expect(socket.state).toBe("open");
  });

  it("pings at once when the page becomes visible again", () => {
    const document = Object.assign(new EventTarget(), { visibilityState: "visible" });
    vi.stubGlobal("document", document);
    open();
    FakeWebSocket.last.accept();
    FakeWebSocket.last.serverSend(hello);
    document.dispatchEvent(new Event("visibilitychange"));
    expect(FakeWebSocket.last.frames).toEqual([{ $ch: "ping" }]);
  });
});

describe("connect()", () => {
  it("resolves a page-relative URL and turns http(s) into ws(s)", () => {
    vi.stubGlobal("location", { href: "https://chat.example/room/lobby/" });
    expect(resolveSocketUrl("/ws/chat/lobby/")).toBe("wss://chat.example/ws/chat/lobby/");
    expect(resolveSocketUrl("http://127.0.0.1:8000/ws/")).toBe("ws://127.0.0.1:8000/ws/");
    expect(resolveSocketUrl("ws://x.test/a")).toBe("ws://x.test/a");
    expect(() => resolveSocketUrl("ftp://x.test/")).toThrow(/ws:, wss:, http: or https:/);
  });

  it("says what to do without a page or without a WebSocket class", () => {
    expect(() => resolveSocketUrl("/ws/")).toThrow(/absolute ws:\/\/ or wss:\/\/ URL/);
    vi.stubGlobal("WebSocket", undefined);
    expect(() => connect("ws://x.test/")).toThrow(/import \{ WebSocket \} from "ws"/);
  });

  it("keeps an error listener on every socket, even a dropped one (ws throws errors nobody listens to)", () => {
    open();
    const first = FakeWebSocket.last;
    expect(first.onerror).toBeTypeOf("function");
    first.serverClose(1006);
    expect(first.onerror).toBeTypeOf("function");
  });

  it("uses the global WebSocket when none is given (browsers, Node 22+)", () => {
    vi.stubGlobal("WebSocket", FakeWebSocket);
    const socket = connect("ws://x.test/ws/");
    expect(FakeWebSocket.last.url).toBe("ws://x.test/ws/");
    FakeWebSocket.last.accept();
    expect(socket.state).toBe("open");
  });

  it("closes for good, saying why, when a URL function fails on a reconnect", () => {
    let calls = 0;
    const socket = connect(
      () => {
        calls += 1;
        if (calls > 2) throw new Error("no token");
        return "ws://x.test/ws/";
      },
      { WebSocket: FakeWebSocket },
    );
    const errors: string[] = [];
    socket.on("error", (error) => errors.push(error.message));
    FakeWebSocket.last.accept();
    FakeWebSocket.last.serverClose(1006);
    vi.runOnlyPendingTimers();
    expect(errors).toEqual(["no token"]);
    expect(socket.state).toBe("closed");
  });

  it("offers the subprotocols given", () => {
    open({ protocols: ["chat.v1"] });
    expect(FakeWebSocket.last.protocols).toEqual(["chat.v1"]);
  });
});
