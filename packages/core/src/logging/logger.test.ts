import { Writable } from "node:stream";
import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { defaultLogger, type Logger } from "./logger";

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe("Logger", () => {
  it("is pino's signature: a pino logger plugs in as it is and writes the fields as JSON", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger: Logger = pino({ base: null, timestamp: false }, sink);
    logger.info(
      { event: "websocket.connect", client: "127.0.0.1:5000", path: "/ws/" },
      "127.0.0.1:5000 WSCONNECT /ws/",
    );
    logger.error({ event: "application.error", err: new Error("boom") }, "Exception inside application");
    const [info, error] = lines.map((line) => JSON.parse(line));
    expect(info).toEqual({
      level: 30,
      event: "websocket.connect",
      client: "127.0.0.1:5000",
      path: "/ws/",
      msg: "127.0.0.1:5000 WSCONNECT /ws/",
    });
    expect(error).toMatchObject({ level: 50, event: "application.error", err: { message: "boom" } });
  });

  it("the default console logger prints the message alone, and the error after a problem's message", () => {
    vi.stubEnv("VITEST", undefined as unknown as string);
    vi.stubEnv("NODE_ENV", "production");
    const info = vi.spyOn(console, "info").mockImplementation(() => {});
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const logger = defaultLogger();
    logger.info({ event: "http.response", status: 200 }, '127.0.0.1:1 - - [x] "GET / HTTP/1.1" 200 2');
    const boom = new Error("boom");
    logger.error({ err: boom }, "Exception inside application:");
    expect(info.mock.calls).toEqual([['127.0.0.1:1 - - [x] "GET / HTTP/1.1" 200 2']]);
    expect(error.mock.calls).toEqual([["Exception inside application:", boom]]);
  });
});
