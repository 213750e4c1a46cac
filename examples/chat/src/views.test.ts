import { HttpCommunicator } from "@channels-ts/core/testing";
import { describe, expect, it } from "vitest";
import { chatApplication } from "./asgi";

const app = chatApplication(["localhost", "127.0.0.1"]);

async function request(method: string, path: string) {
  const response = await new HttpCommunicator(app, method, path).getResponse();
  const headers = new Map(response.headers.map(([name, value]) => [String(name), String(value)]));
  return { status: response.status, headers };
}

describe("chat pages and static files", () => {
  it.each(["/chat/", "/chat/red/", "/static/chat.js", "/static/chat.css"])(
    "%s answers GET and HEAD, and 405 with Allow to other methods",
    async (path) => {
      expect((await request("GET", path)).status).toBe(200);
      expect((await request("HEAD", path)).status).toBe(200);
      for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
        const { status, headers } = await request(method, path);
        expect(status).toBe(405);
        expect(headers.get("allow")).toBe("GET, HEAD");
      }
    },
  );

  it("the page's CSP limits connections to its own origin and forbids framing", async () => {
    const csp = (await request("GET", "/chat/")).headers.get("content-security-policy") ?? "";
    const directives = new Map(
      csp.split(";").map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values.join(" ")] as const;
      }),
    );
    expect(directives.get("connect-src")).toBe("'self'");
    expect(directives.get("frame-ancestors")).toBe("'none'");
    expect(directives.get("default-src")).toBe("'self'");
  });
});
