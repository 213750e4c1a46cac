import { describe, expect, it } from "vitest";
import { AsyncHttpConsumer, AsyncWebsocketConsumer } from "../../src/consumers/index";
import { ProtocolTypeRouter, path, URLRouter } from "../../src/routing/index";
import { LiveServer } from "../../src/testing/index";
import { connect } from "./helpers";

class Echo extends AsyncWebsocketConsumer {
  override async receive(textData?: string) {
    await this.send(`echo: ${textData}`);
  }
}

class Hello extends AsyncHttpConsumer {
  override async handle() {
    await this.sendResponse(200, new TextEncoder().encode(`hello ${this.scope.type}`), {
      headers: [["content-type", "text/plain"]],
    });
  }
}

const application = ProtocolTypeRouter({
  http: URLRouter([path("hello/", Hello.asAsgi())]),
  websocket: URLRouter([path("ws/echo/", Echo.asAsgi())]),
});

describe("LiveServer", () => {
  it("runs consumer classes behind routers on a free port, over real HTTP and WebSocket", async () => {
    const live = await LiveServer.start(application);
    try {
      expect(live.port).toBeGreaterThan(0);
      expect(live.url).toBe(`http://127.0.0.1:${live.port}`);
      expect(live.wsUrl).toBe(`ws://127.0.0.1:${live.port}`);
      expect(await (await fetch(`${live.url}/hello/`)).text()).toBe("hello http");
      const client = await connect(`${live.wsUrl}/ws/echo/`);
      client.ws.send("hi");
      expect(await client.text(0)).toBe("echo: hi");
      client.ws.close(4001);
      expect((await client.closed).code).toBe(4001);
      // No route: the router raises RouteNotFound before accept, the server answers 404.
      expect((await fetch(`${live.url}/nowhere/`)).status).toBe(404);
    } finally {
      await live.close();
    }
    await expect(fetch(live.url)).rejects.toThrow();
  });
});
