import { describe, expect, it } from "vitest";
import { logTarget, logText, logUrl } from "./log-text";

describe("log text", () => {
  it("escapes what could break or disguise a log line", () => {
    expect(logText("/ws/chat/lobby/")).toBe("/ws/chat/lobby/");
    expect(logText('/ws/x\n127.0.0.1:1 - - "GET /admin HTTP/1.1" 200 0')).toBe(
      '/ws/x\\x0a127.0.0.1:1 - - \\"GET /admin HTTP/1.1\\" 200 0',
    );
    expect(logText("a\r\u0000\u007f\u0085b")).toBe("a\\x0d\\x00\\x7f\\x85b");
    expect(logText("evil\u202egnp.exe\u2028")).toBe("evil\\u202egnp.exe\\u2028");
    expect(logText("back\\slash")).toBe("back\\\\slash");
    expect(logText("/café/")).toBe("/café/");
  });

  it("redacts the named query parameters of a target or URL", () => {
    expect(logTarget("/ws/", "token=s3cret&room=1", ["token"])).toBe("/ws/?token=[redacted]&room=1");
    expect(logTarget("/ws/", "", ["token"])).toBe("/ws/");
    expect(logUrl("/a%0a?access_token=x", ["token", "access_token"])).toBe("/a%0a?access_token=[redacted]");
    expect(logUrl("/a\nb", [])).toBe("/a\\x0ab");
    expect(logUrl(undefined, [])).toBe("-");
  });
});
