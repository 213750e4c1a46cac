// Django Channels' HTTP consumer tests, ported: AsyncHttpConsumer and the HTTP communicator, plus the
// response kept open for server-sent events (a deliberate difference from Django).

import { describe, expect, it } from "vitest";
import { useChannelLayer } from "../../test/support/layers";
import { NoHandlerError } from "../exceptions";
import { InMemoryChannelLayer } from "../layers/in-memory-layer";
import type { HttpScope, LayerMessage } from "../protocol/types";
import { ApplicationCommunicator } from "../testing/application-communicator";
import { HttpCommunicator } from "../testing/http-communicator";
import { AsyncHttpConsumer } from "./http-consumer";

const layer = useChannelLayer(() => new InMemoryChannelLayer());

const encode = (text: string) => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

const httpScope = (path = "/"): HttpScope => ({
  type: "http",
  http_version: "1.1",
  method: "GET",
  path,
  query_string: "",
  headers: [],
});

describe("AsyncHttpConsumer", () => {
  it("HT-01 ★ handle() gets the body; sendResponse sends status, headers and body", async () => {
    class JsonValue extends AsyncHttpConsumer {
      async handle(body: Uint8Array) {
        const data = JSON.parse(decode(body)) as { value: number };
        await this.sendResponse(200, JSON.stringify({ value: data.value }), {
          headers: { "Content-Type": "application/json" },
        });
      }
    }
    const comm = new HttpCommunicator(
      JsonValue.asAsgi(),
      "POST",
      "/test/",
      encode(JSON.stringify({ value: 42, anything: false })),
    );
    const response = await comm.getResponse();
    expect(response.status).toBe(200);
    expect(decode(response.body)).toBe('{"value":42}');
    expect(response.headers).toEqual([["Content-Type", "application/json"]]);
    await comm.wait();
  });

  it("HT-02 ★ an exception in handle() propagates to getResponse, after disconnect() ran", async () => {
    let disconnects = 0;
    class Failing extends AsyncHttpConsumer {
      async handle() {
        throw new Error("Error correctly raised");
      }
      override async disconnect() {
        disconnects++;
      }
    }
    const comm = new HttpCommunicator(Failing.asAsgi(), "GET", "/");
    await expect(comm.getResponse(50)).rejects.toThrow("Error correctly raised");
    expect(disconnects).toBe(1);
  });

  it("HT-03 ★ sendHeaders + sendBody chunks are concatenated by getResponse", async () => {
    class Chunked extends AsyncHttpConsumer {
      async handle() {
        await this.sendHeaders({ headers: [["x-a", "1"]] });
        await this.sendBody(encode("a"), { moreBody: true });
        await this.sendBody(encode("b"));
      }
    }
    const response = await new HttpCommunicator(Chunked.asAsgi(), "GET", "/").getResponse();
    expect(response).toEqual({ status: 200, headers: [["x-a", "1"]], body: encode("ab") });
  });

  it("HT-04 ★ a body in several http.request chunks reaches handle() whole", async () => {
    let got: string | undefined;
    class Collect extends AsyncHttpConsumer {
      async handle(body: Uint8Array) {
        got = decode(body);
        await this.sendResponse(200, body);
      }
    }
    const comm = new ApplicationCommunicator(Collect.asAsgi(), httpScope());
    await comm.sendInput({ type: "http.request", body: encode("ab"), more_body: true });
    await comm.sendInput({ type: "http.request", body: encode("cd") });
    expect(await comm.receiveOutput()).toStrictEqual({
      type: "http.response.start",
      status: 200,
      headers: [],
    });
    expect(await comm.receiveOutput()).toStrictEqual({
      type: "http.response.body",
      body: encode("abcd"),
      more_body: false,
    });
    expect(got).toBe("abcd");
    await comm.wait();
  });

  it("HT-07 (adapted) sendBody takes a string as UTF-8; anything else is a TypeError that says what it takes", async () => {
    class Bodies extends AsyncHttpConsumer {
      async handle(body: Uint8Array) {
        if (decode(body) === "string") await this.sendResponse(200, "héllo");
        else {
          await this.sendHeaders();
          await this.sendBody(42 as unknown as string);
        }
      }
    }
    const ok = await new HttpCommunicator(Bodies.asAsgi(), "POST", "/", "string").getResponse();
    expect([...ok.body]).toEqual([...encode("héllo")]);

    const comm = new HttpCommunicator(Bodies.asAsgi(), "POST", "/", "number");
    const error = await comm.getResponse().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe(
      "sendBody() takes a Uint8Array or a string (sent as UTF-8); got number.",
    );
  });

  it("sendHeaders defaults to status 200 and no headers", async () => {
    class Defaults extends AsyncHttpConsumer {
      async handle() {
        await this.sendHeaders();
        await this.sendBody("");
      }
    }
    const response = await new HttpCommunicator(Defaults.asAsgi(), "GET", "/").getResponse();
    expect(response).toEqual({ status: 200, headers: [], body: new Uint8Array(0) });
  });

  it("ends as soon as handle() returns with the response complete, running disconnect() once", async () => {
    let disconnects = 0;
    class Done extends AsyncHttpConsumer {
      async handle() {
        await this.sendResponse(204, "");
      }
      override async disconnect() {
        disconnects++;
      }
    }
    const comm = new HttpCommunicator(Done.asAsgi(), "GET", "/");
    expect((await comm.getResponse()).status).toBe(204);
    await comm.wait();
    expect(comm.done).toBe(true);
    expect(disconnects).toBe(1);
  });

  it("ends after handle() even when it sent nothing (as Django does)", async () => {
    class Mute extends AsyncHttpConsumer {
      async handle() {}
    }
    const comm = new ApplicationCommunicator(Mute.asAsgi(), httpScope());
    await comm.sendInput({ type: "http.request" });
    await comm.wait();
    expect(await comm.receiveNothing()).toBe(true);
  });

  it("http.disconnect before the request is handled ends the consumer and runs disconnect()", async () => {
    let disconnects = 0;
    class Waiting extends AsyncHttpConsumer {
      async handle() {
        await this.sendResponse(200, "never");
      }
      override async disconnect() {
        disconnects++;
      }
    }
    const comm = new ApplicationCommunicator(Waiting.asAsgi(), httpScope());
    await comm.sendInput({ type: "http.request", body: encode("part"), more_body: true });
    await comm.sendInput({ type: "http.disconnect" });
    await comm.wait();
    expect(disconnects).toBe(1);
    expect(await comm.receiveNothing()).toBe(true);
  });

  it("the framework's handle() cannot be reached by a layer message", async () => {
    const bodies: string[] = [];
    class Reporter extends AsyncHttpConsumer {
      async handle(body: Uint8Array) {
        bodies.push(decode(body));
        await this.sendHeaders();
        await this.sendBody(this.channelName, { moreBody: true });
      }
    }
    const comm = new ApplicationCommunicator(Reporter.asAsgi(), httpScope());
    await comm.sendInput({ type: "http.request", body: encode("request") });
    await comm.receiveOutput();
    const channel = decode(((await comm.receiveOutput()) as { body: Uint8Array }).body);
    await layer().send(channel, { type: "handle" });
    const error = await comm.wait().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoHandlerError);
    expect(bodies).toEqual(["request"]);
  });
});

describe("AsyncHttpConsumer kept open (server-sent events)", () => {
  class Events extends AsyncHttpConsumer {
    static disconnects = 0;
    async handle() {
      await this.channelLayer!.groupAdd("news", this.channelName);
      await this.sendHeaders({ headers: { "content-type": "text/event-stream" } });
      await this.sendBody("", { moreBody: true });
    }
    async news_item(event: LayerMessage) {
      await this.sendBody(`data: ${String(event.text)}\n\n`, { moreBody: true });
    }
    async news_end() {
      await this.finish();
    }
    override async disconnect() {
      Events.disconnects++;
      await this.channelLayer!.groupDiscard("news", this.channelName);
    }
  }

  async function openStream() {
    Events.disconnects = 0;
    const comm = new ApplicationCommunicator(Events.asAsgi(), httpScope("/events/"));
    await comm.sendInput({ type: "http.request" });
    expect(await comm.receiveOutput()).toStrictEqual({
      type: "http.response.start",
      status: 200,
      headers: [["content-type", "text/event-stream"]],
    });
    expect(await comm.receiveOutput()).toStrictEqual({
      type: "http.response.body",
      body: new Uint8Array(0),
      more_body: true,
    });
    return comm;
  }

  it("stays alive after handle(), dispatching layer messages as body chunks, until finish()", async () => {
    const comm = await openStream();
    expect(comm.done).toBe(false);
    expect(layer().groups.get("news")?.size).toBe(1);

    await layer().groupSend("news", { type: "news.item", text: "one" });
    await layer().groupSend("news", { type: "news.item", text: "two" });
    const first = await comm.receiveOutput();
    const second = await comm.receiveOutput();
    expect(first).toStrictEqual({
      type: "http.response.body",
      body: encode("data: one\n\n"),
      more_body: true,
    });
    expect(second).toStrictEqual({
      type: "http.response.body",
      body: encode("data: two\n\n"),
      more_body: true,
    });
    expect(comm.done).toBe(false);

    await layer().groupSend("news", { type: "news.end" });
    expect(await comm.receiveOutput()).toStrictEqual({
      type: "http.response.body",
      body: new Uint8Array(0),
      more_body: false,
    });
    await comm.wait();
    expect(Events.disconnects).toBe(1);
    expect(layer().groups.size).toBe(0);
  });

  it("ends when the client goes away, running disconnect() once", async () => {
    const comm = await openStream();
    await layer().groupSend("news", { type: "news.item", text: "one" });
    await comm.receiveOutput();
    await comm.sendInput({ type: "http.disconnect" });
    await comm.wait();
    expect(Events.disconnects).toBe(1);
    expect(layer().groups.size).toBe(0);
    expect(await comm.receiveNothing()).toBe(true);
  });

  it("HttpCommunicator.getResponse collects the whole stream once it is finished", async () => {
    Events.disconnects = 0;
    const comm = new HttpCommunicator(Events.asAsgi(), "GET", "/events/");
    const response = comm.getResponse();
    // The group membership is the consumer's sign that it is streaming; wait for it (bounded).
    for (let i = 0; i < 100 && !layer().groups.has("news"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(layer().groups.get("news")?.size).toBe(1);
    await layer().groupSend("news", { type: "news.item", text: "x" });
    await layer().groupSend("news", { type: "news.end" });
    const { status, headers, body } = await response;
    expect(status).toBe(200);
    expect(headers).toEqual([["content-type", "text/event-stream"]]);
    expect(decode(body)).toBe("data: x\n\n");
    await comm.wait();
    expect(Events.disconnects).toBe(1);
  });

  it("finish() on a response that is already complete sends nothing more", async () => {
    class Twice extends AsyncHttpConsumer {
      async handle() {
        await this.sendResponse(200, "done");
        await this.finish();
      }
    }
    const comm = new ApplicationCommunicator(Twice.asAsgi(), httpScope());
    await comm.sendInput({ type: "http.request" });
    expect((await comm.receiveOutput()).type).toBe("http.response.start");
    expect((await comm.receiveOutput()).type).toBe("http.response.body");
    await comm.wait();
    expect(await comm.receiveNothing()).toBe(true);
  });
});
