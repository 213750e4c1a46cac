/// <reference lib="dom" />
// The chat in a real browser: Debian's Chromium driven by playwright-core (never a downloaded browser).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { redisServerSkipReason } from "@channels-ts/test-support";
import { useRedis } from "@channels-ts/test-support/vitest";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChatProcess, startChat } from "./chat-process";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = new URL("../../../test-artifacts/", import.meta.url);

function chromiumSkipReason(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const message = "Chromium is not installed: install the Debian package `chromium` to run the browser tests";
  if (process.env.CI) throw new Error(message);
  return message;
}

const skipReason = chromiumSkipReason();
if (skipReason) console.warn(`examples/chat e2e skipped: ${skipReason}`);

let browser: Browser;

type Frame = { type: string; name?: string; message?: string };

/** A chat WebSocket of a Node client in room "restart", with a way to wait for a frame. */
async function chatSocket(port: number, name: string) {
  const { WebSocket } = await import("ws");
  const socket = new WebSocket(`ws://127.0.0.1:${port}/ws/chat/restart/?name=${name}`, {
    origin: `http://127.0.0.1:${port}`,
  });
  const frames: Frame[] = [];
  let wake: (() => void) | undefined;
  const client = {
    socket,
    closed: false,
    /** Resolves with the first frame (seen or to come) that `match` accepts; rejects after 15 s. */
    async next(match: (frame: Frame) => boolean): Promise<Frame> {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const index = frames.findIndex(match);
        if (index !== -1) return frames.splice(index, 1)[0]!;
        if (Date.now() > deadline) throw new Error(`${name}: no such frame; got ${JSON.stringify(frames)}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 500);
        });
      }
    },
  };
  socket.on("message", (data) => {
    frames.push(JSON.parse(String(data)) as Frame);
    wake?.();
  });
  socket.on("close", () => {
    client.closed = true;
  });
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  return client;
}

/** One inline Redis command on a fresh connection; resolves with the reply's first line. */
async function redisCommand(url: string, command: string): Promise<string> {
  const { connect } = await import("node:net");
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(`${command}\r\n`));
    let reply = "";
    socket.on("data", (data) => {
      reply += data;
      if (reply.includes("\r\n")) {
        socket.end();
        resolve(reply.slice(0, reply.indexOf("\r\n")));
      }
    });
    socket.on("error", (error) => (reply.includes("\r\n") ? undefined : reject(error)));
  });
}

async function openRoom(baseUrl: string, room: string, name: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${baseUrl}/chat/${room}/?name=${encodeURIComponent(name)}`);
  await expectState(page, "connected");
  return page;
}

async function expectState(page: Page, state: string) {
  await page.waitForSelector(`#connection-state[data-state="${state}"]`, { timeout: 15_000 });
}

async function say(page: Page, text: string) {
  await page.fill("#chat-message-input", text);
  await page.press("#chat-message-input", "Enter");
}

/** The texts of the chat messages in the page's log, in order. */
async function chatTexts(page: Page): Promise<string[]> {
  return page.$$eval("#chat-log .entry.chat .text", (spans) => spans.map((span) => span.textContent ?? ""));
}

async function logText(page: Page, text: string) {
  try {
    await page.waitForFunction((t) => document.querySelector("#chat-log")?.textContent?.includes(t), text, {
      timeout: 15_000,
    });
  } catch (error) {
    const log = await page.textContent("#chat-log").catch(() => "(no log)");
    throw new Error(`"${text}" never appeared in the chat log, which reads: ${log}`, { cause: error });
  }
}

describe.skipIf(skipReason !== undefined)("chat in Chromium", () => {
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  describe("on one process, in-memory layer", () => {
    let chat: ChatProcess;
    beforeAll(async () => {
      chat = await startChat();
    }, 90_000);
    afterAll(async () => {
      await chat?.stop();
    });

    it("serves the tutorial's page at /chat/ and two pages in one room exchange messages", async () => {
      const alice = await openRoom(chat.url, "lobby", "Alice");
      const bob = await openRoom(chat.url, "lobby", "Bob");
      await logText(alice, "Bob joined");
      await say(alice, "Hello Bob");
      await logText(bob, "Hello Bob");
      await say(bob, "Hi Alice");
      await logText(alice, "Hi Alice");
      // The button sends too.
      await alice.fill("#chat-message-input", "sent by the button");
      await alice.click("#chat-message-submit");
      await logText(bob, "sent by the button");
      mkdirSync(ARTIFACTS, { recursive: true });
      await alice.screenshot({ path: new URL("chat.png", ARTIFACTS).pathname });
      await alice.close();
      await logText(bob, "Alice left");
      await bob.close();
    });

    it("the default page /chat/ talks to /ws/chat/ and offers a room field", async () => {
      const page = await browser.newPage();
      await page.goto(`${chat.url}/chat/`);
      await expectState(page, "connected");
      for (const id of ["#chat-log", "#chat-message-input", "#chat-message-submit", "#room-name-input"]) {
        expect(await page.$(id)).not.toBeNull();
      }
      // Renaming is a request the consumer answers; the room is told.
      await page.fill("#display-name", "Renamed");
      await page.press("#display-name", "Tab");
      await logText(page, "anonymous is now Renamed");
      await page.fill("#room-name-input", "elsewhere");
      await page.press("#room-name-input", "Enter");
      await page.waitForURL(`${chat.url}/chat/elsewhere/`);
      await expectState(page, "connected");
      await page.close();
    });

    it("shows a message with HTML as text and runs nothing", async () => {
      const sender = await openRoom(chat.url, "xss", "Mallory");
      const reader = await openRoom(chat.url, "xss", "Victim");
      const attack = `<img src=x onerror="window.__pwned=1"><b id="bold">bold</b><script>window.__pwned=2</script>`;
      await say(sender, attack);
      await logText(reader, attack);
      expect(
        await reader.evaluate(() => (window as unknown as { __pwned?: number }).__pwned),
      ).toBeUndefined();
      expect(await reader.$("#chat-log img, #chat-log b, #chat-log script")).toBeNull();
      await sender.close();
      await reader.close();
    });

    it("refuses a WebSocket opened by a page of another origin with 403", async () => {
      // The pages above (same origin) connected; a foreign page's socket carries its own Origin.
      const { WebSocket } = await import("ws");
      const ws = new WebSocket(`${chat.url.replace("http", "ws")}/ws/chat/`, {
        origin: "http://evil.example",
      });
      const status = await new Promise<number>((resolve) => {
        ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
        ws.on("open", () => resolve(101));
        ws.on("error", () => {});
      });
      expect(status).toBe(403);
    });
  });

  it("a message typed while the server is down is sent once when the page reconnects by itself", async () => {
    let chat = await startChat();
    const port = chat.port;
    const page = await openRoom(chat.url, "restart", "Phoenix");
    await chat.stop();
    await expectState(page, "disconnected");
    await say(page, "typed while offline");
    await logText(page, "is sent when the connection is back");
    expect(await page.inputValue("#chat-message-input")).toBe("");
    chat = await startChat({ PORT: String(port) });
    try {
      await expectState(page, "connected");
      // Its own message comes back from the room: the queue was flushed.
      await page.waitForSelector('#chat-log .entry.chat .text:text-is("typed while offline")', {
        timeout: 15_000,
      });
      const other = await openRoom(chat.url, "restart", "Other");
      await say(page, "back again");
      await logText(other, "back again");
      expect(await chatTexts(page)).toEqual(["typed while offline", "back again"]);
      await other.close();
      await page.close();
    } finally {
      await chat.stop();
    }
  }, 90_000);

  it("refuses a rename to a name taken in the room, with the consumer's reason", async () => {
    const chat = await startChat();
    try {
      const ada = await openRoom(chat.url, "names", "Ada");
      const bob = await openRoom(chat.url, "names", "Bob");
      await bob.fill("#display-name", "Ada");
      await bob.press("#display-name", "Tab");
      await logText(bob, "Could not rename: The name “Ada” is taken in this room; choose another.");
      expect(await bob.inputValue("#display-name")).toBe("Bob");
      await ada.close();
      await bob.close();
    } finally {
      await chat.stop();
    }
  }, 90_000);

  describe("over HTTPS with HTTP/2", () => {
    let chat: ChatProcess;
    let certDir: string;
    beforeAll(async () => {
      // A self-signed certificate for 127.0.0.1, made with Debian's openssl.
      certDir = mkdtempSync(join(tmpdir(), "chat-tls-"));
      execFileSync(
        "openssl",
        ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
          .concat(["-keyout", join(certDir, "key.pem"), "-out", join(certDir, "cert.pem"), "-days", "1"])
          .concat(["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]),
        { stdio: "pipe" },
      );
      chat = await startChat({ TLS_KEY: join(certDir, "key.pem"), TLS_CERT: join(certDir, "cert.pem") });
    }, 90_000);
    afterAll(async () => {
      await chat?.stop();
      rmSync(certDir, { recursive: true, force: true });
    });

    it("serves the page over HTTP/2, and Chromium opens the chat's WebSocket on that connection (RFC 8441)", async () => {
      expect(chat.url).toMatch(/^https:/);
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const pages: Page[] = [];
      const handshakeStatuses: number[] = [];
      for (const name of ["Ada", "Grace"]) {
        const page = await context.newPage();
        // The handshake's answer says how the socket was opened: 101 over HTTP/1.1, 200 as an HTTP/2 stream.
        const cdp = await context.newCDPSession(page);
        await cdp.send("Network.enable");
        cdp.on("Network.webSocketHandshakeResponseReceived", (event) =>
          handshakeStatuses.push(event.response.status),
        );
        await page.goto(`${chat.url}/chat/secure/?name=${name}`);
        await expectState(page, "connected");
        pages.push(page);
      }
      const [ada, grace] = pages as [Page, Page];
      expect(
        await ada.evaluate(
          () =>
            (performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming).nextHopProtocol,
        ),
      ).toBe("h2");
      await say(ada, "over one HTTP/2 connection");
      await logText(grace, "over one HTTP/2 connection");
      expect(handshakeStatuses).toEqual([200, 200]);
      await context.close();
    });
  });

  describe("on two processes sharing a Redis layer", () => {
    const redisSkip = redisServerSkipReason();
    const redis = useRedis();
    let one: ChatProcess;
    let two: ChatProcess;
    beforeAll(async () => {
      if (redisSkip) return;
      [one, two] = await Promise.all([
        startChat({ REDIS_URL: redis().url }),
        startChat({ REDIS_URL: redis().url }),
      ]);
    }, 90_000);
    afterAll(async () => {
      await Promise.all([one?.stop(), two?.stop()]);
    });

    it.skipIf(redisSkip !== undefined)(
      "a message typed on a page of one process appears on a page of the other",
      async () => {
        expect(one.port).not.toBe(two.port);
        const left = await openRoom(one.url, "shared", "Left");
        const right = await openRoom(two.url, "shared", "Right");
        await logText(left, "Right joined");
        await say(left, "across processes");
        await logText(right, "across processes");
        await say(right, "and back");
        await logText(left, "and back");
        await left.close();
        await right.close();
      },
    );

    it.skipIf(redisSkip !== undefined)(
      "a message typed while its server is down reaches a page of the other process once, after the page reconnects by itself",
      async () => {
        const port = one.port;
        const typist = await openRoom(one.url, "outage", "Typist");
        const reader = await openRoom(two.url, "outage", "Reader");
        await logText(typist, "Reader joined"); // across the processes: both are in the room
        await one.stop();
        await expectState(typist, "disconnected");
        await say(typist, "written during the outage");
        one = await startChat({ REDIS_URL: redis().url, PORT: String(port) });
        await expectState(typist, "connected");
        await logText(reader, "written during the outage");
        // Once: a later message arrives after it, and the first is there a single time.
        await say(typist, "and after it");
        await logText(reader, "and after it");
        expect(await chatTexts(reader)).toEqual(["written during the outage", "and after it"]);
        await typist.close();
        await reader.close();
      },
      90_000,
    );

    // Measured before: Redis killed and started again empty, both pages stayed connected and 0 of
    // 1,782 messages sent afterwards arrived. Each process now re-adds its channels' groups.
    it.skipIf(redisSkip !== undefined)(
      "after Redis restarts empty, connections open on both processes get room messages again without reconnecting",
      async () => {
        const left = await chatSocket(one.port, "Left");
        const right = await chatSocket(two.port, "Right");
        await left.next((f) => f.type === "join" && f.name === "Right");
        await redis().restart(); // by pid; no persistence, so every group membership is gone
        // Both processes re-add their member as they reconnect: wait until Redis has both (bounded).
        for (
          let i = 0;
          i < 500 && (await redisCommand(redis().url, "ZCARD asgi:group:chat_restart")) !== ":2";
          i++
        ) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        left.socket.send(JSON.stringify({ message: "after the restart" }));
        await right.next((f) => f.type === "chat" && f.message === "after the restart");
        await left.next((f) => f.type === "chat" && f.message === "after the restart");
        right.socket.send(JSON.stringify({ message: "and back" }));
        await left.next((f) => f.type === "chat" && f.message === "and back");
        expect(left.closed || right.closed).toBe(false);
        left.socket.close();
        right.socket.close();
      },
    );
  });
});
