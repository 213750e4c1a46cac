import { HttpCommunicator, WebsocketCommunicator } from "@channels-ts/core/testing";
import { describe, expect, it } from "vitest";
import { AsyncWebsocketConsumer } from "../consumers/websocket-consumer";
import { ImproperlyConfigured } from "../exceptions";
import type { Application, Headers } from "../protocol/types";
import { path, URLRouter } from "../routing/index";
import { AllowedHostsOriginValidator, OriginValidator } from "./origin-validator";

const consumer = AsyncWebsocketConsumer.asAsgi();

/** Connects with `origin` (or none) and returns whether the validator let it through. */
async function accepted(app: Application, origin?: string, extraHeaders: Headers = []): Promise<boolean> {
  const headers: Headers = origin === undefined ? extraHeaders : [...extraHeaders, ["origin", origin]];
  const communicator = new WebsocketCommunicator(app, "/", { headers });
  const result = await communicator.connect();
  if (result.connected) await communicator.disconnect();
  else expect(result.closeCode).toBe(1000);
  return result.connected;
}

const validator = (allowed: string[]) => OriginValidator(consumer, allowed);

describe("OriginValidator, Django's cases (C.8)", () => {
  it("OV-01/02: accepts a listed host, refuses another", async () => {
    expect(await accepted(validator(["allowed-domain.com"]), "http://allowed-domain.com")).toBe(true);
    expect(await accepted(validator(["allowed-domain.com"]), "http://bad-domain.com")).toBe(false);
  });

  it("OV-03 (fixed): *.allowed-domain.com is a wildcard for subdomains, not the bare domain", async () => {
    const app = validator(["*.allowed-domain.com"]);
    expect(await accepted(app, "http://allowed-domain.com")).toBe(false);
    expect(await accepted(app, "http://www.allowed-domain.com")).toBe(true);
    expect(await accepted(app, "https://a.b.allowed-domain.com")).toBe(true);
    expect(await accepted(app, "http://evilallowed-domain.com")).toBe(false);
  });

  it("OV-04: .allowed-domain.com accepts the domain and its subdomains", async () => {
    const app = validator([".allowed-domain.com"]);
    expect(await accepted(app, "http://www.allowed-domain.com")).toBe(true);
    expect(await accepted(app, "http://allowed-domain.com")).toBe(true);
    expect(await accepted(app, "http://notallowed-domain.com")).toBe(false);
  });

  it("OV-05/06: a pattern with a scheme", async () => {
    expect(await accepted(validator(["http://allowed-domain.com"]), "http://allowed-domain.com")).toBe(true);
    expect(await accepted(validator(["http://allowed-domain.com"]), "https://bad-domain.com:443")).toBe(
      false,
    );
  });

  it("OV-07/08: no Origin passes only under *", async () => {
    expect(await accepted(validator(["*"]))).toBe(true);
    expect(await accepted(validator([]))).toBe(false);
    expect(await accepted(validator(["example.com"]))).toBe(false);
  });

  it("OV-09: empty or unparseable origins are refused", async () => {
    const app = validator([".allowed-domain.com"]);
    expect(await accepted(app, "")).toBe(false);
    expect(await accepted(app, "something-invalid")).toBe(false);
  });

  it("OV-10: a bare host ignores scheme and port, not case", async () => {
    const app = validator(["example.com"]);
    expect(await accepted(app, "https://example.com:8443")).toBe(true);
    expect(await accepted(app, "http://EXAMPLE.COM")).toBe(true);
    expect(await accepted(app, "http://sub.example.com")).toBe(false);
    expect(await accepted(app, "null")).toBe(false);
    expect(await accepted(app)).toBe(false);
  });

  it("OV-11 (fixed): schemes bring default ports; a host:port pattern without scheme works", async () => {
    const http = validator(["http://example.com"]);
    expect(await accepted(http, "http://example.com:80")).toBe(true);
    expect(await accepted(http, "http://example.com:8080")).toBe(false);
    expect(await accepted(http, "https://example.com")).toBe(false);
    expect(await accepted(validator(["https://example.com"]), "https://example.com:443")).toBe(true);
    const withPort = validator(["example.com:8080"]);
    expect(await accepted(withPort, "http://example.com:9090")).toBe(false);
    expect(await accepted(withPort, "http://example.com:8080")).toBe(true);
    expect(await accepted(withPort, "https://example.com:8080")).toBe(true);
    expect(await accepted(withPort, "http://example.com")).toBe(false);
  });

  it("OV-12: refuses to check a non-WebSocket scope", async () => {
    const http = new HttpCommunicator(validator(["*"]), "GET", "/");
    await expect(http.getResponse()).rejects.toThrow(ImproperlyConfigured);
  });
});

describe("OriginValidator, beyond Django", () => {
  it("uses the last Origin header", async () => {
    const app = validator(["good.com"]);
    expect(await accepted(app, "http://good.com", [["origin", "http://evil.com"]])).toBe(true);
    expect(await accepted(validator(["evil.com"]), "http://good.com", [["origin", "http://evil.com"]])).toBe(
      false,
    );
  });

  it("matches IPv6 hosts in brackets and explicit ports with a scheme", async () => {
    expect(await accepted(validator(["[::1]"]), "http://[::1]:8000")).toBe(true);
    expect(await accepted(validator(["http://localhost:3000"]), "http://localhost:3000")).toBe(true);
    expect(await accepted(validator(["http://localhost:3000"]), "http://localhost:3001")).toBe(false);
  });

  it("answers 403 with a short body where the server has denial responses", async () => {
    const communicator = new WebsocketCommunicator(validator(["good.com"]), "/", {
      headers: [["origin", "http://evil.com"]],
      scope: { extensions: { "websocket.http.response": {} } },
    });
    const result = await communicator.connect();
    if (result.connected) throw new Error("expected the connection to be refused");
    expect(result.connected).toBe(false);
    expect(result.response?.status).toBe(403);
    expect(new TextDecoder().decode(result.response?.body)).toBe("Forbidden: origin not allowed");
  });

  it("takes a custom denial", async () => {
    const app = OriginValidator(consumer, ["good.com"], { denial: { status: 400, body: "Bad origin" } });
    const communicator = new WebsocketCommunicator(app, "/", {
      headers: [["origin", "http://evil.com"]],
      scope: { extensions: { "websocket.http.response": {} } },
    });
    const result = await communicator.connect();
    if (result.connected) throw new Error("expected the connection to be refused");
    expect(result.response?.status).toBe(400);
    expect(new TextDecoder().decode(result.response?.body)).toBe("Bad origin");
  });

  it("keeps a nested router prefix-matchable", async () => {
    const app = URLRouter([path("ws/", OriginValidator(URLRouter([path("chat/", consumer)]), ["good.com"]))]);
    const communicator = new WebsocketCommunicator(app, "/ws/chat/", {
      headers: [["origin", "https://good.com"]],
    });
    expect((await communicator.connect()).connected).toBe(true);
    await communicator.disconnect();
  });

  it("rejects malformed patterns when built, saying what works", () => {
    expect(() => validator(["http://example.com/path"])).toThrow(/is not a host or an origin/);
    expect(() => validator(["ex*ample.com"])).toThrow(/"\*" works only alone/);
    expect(() => validator(["example.com:99999"])).toThrow(/65535/);
    expect(() => OriginValidator(consumer, "example.com" as unknown as string[])).toThrow(
      /list of allowed origins/,
    );
  });
});

describe("AllowedHostsOriginValidator", () => {
  it("OV-12: an empty list in development allows local development hosts only", async () => {
    const app = AllowedHostsOriginValidator(consumer, [], { development: true });
    expect(await accepted(app, "http://localhost:8000")).toBe(true);
    expect(await accepted(app, "http://127.0.0.1:5173")).toBe(true);
    expect(await accepted(app, "http://[::1]:8000")).toBe(true);
    expect(await accepted(app, "https://example.com")).toBe(false);
  });

  it("an empty list outside development is ImproperlyConfigured, naming the development flag", () => {
    expect(() => AllowedHostsOriginValidator(consumer, [])).toThrow(ImproperlyConfigured);
    expect(() => AllowedHostsOriginValidator(consumer, [], { development: false })).toThrow(
      /no host names.*\{ development: true \}/,
    );
  });

  it("development adds nothing to a list that names hosts (as Django's DEBUG)", async () => {
    const app = AllowedHostsOriginValidator(consumer, ["example.com"], { development: true });
    expect(await accepted(app, "https://example.com")).toBe(true);
    expect(await accepted(app, "http://localhost:8000")).toBe(false);
  });

  it("matches host names on any scheme and port", async () => {
    const app = AllowedHostsOriginValidator(consumer, [".example.com"]);
    expect(await accepted(app, "https://www.example.com:8443")).toBe(true);
    expect(await accepted(app, "http://localhost:8000")).toBe(false);
  });

  it("refuses origins with a scheme, pointing to OriginValidator", () => {
    expect(() => AllowedHostsOriginValidator(consumer, ["https://example.com"])).toThrow(
      /use OriginValidator/,
    );
  });
});
