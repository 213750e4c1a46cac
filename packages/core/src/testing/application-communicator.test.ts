// ApplicationCommunicator semantics, ported from Django Channels' communicator tests.
import { describe, expect, it } from "vitest";
import { CancelledError } from "../exceptions";
import type { Application, Scope } from "../protocol/types";
import { ApplicationCommunicator } from "./application-communicator";
import { TimeoutError } from "./timeout-error";

const scope: Scope = { type: "websocket", path: "/", query_string: "", headers: [], subprotocols: [] };

/** Sends one event per input, echoing its `n`. */
const echoApp: Application = async (_scope, receive, send) => {
  for (;;) {
    const event = (await receive()) as unknown as { type: string; n?: number };
    if (event.type === "stop") return;
    await send({ type: "websocket.send", text: String(event.n) });
  }
};

describe("ApplicationCommunicator", () => {
  it("passes inputs in and outputs out, in order", async () => {
    const comm = new ApplicationCommunicator(echoApp, scope);
    await comm.sendInput({ type: "echo", n: 1 });
    await comm.sendInput({ type: "echo", n: 2 });
    expect(await comm.receiveOutput()).toEqual({ type: "websocket.send", text: "1" });
    expect(await comm.receiveOutput()).toEqual({ type: "websocket.send", text: "2" });
    await comm.sendInput({ type: "stop" });
    await comm.wait();
    expect(comm.done).toBe(true);
  });

  it("starts the application lazily, on first use", async () => {
    let started = false;
    const comm = new ApplicationCommunicator(async () => {
      started = true;
    }, scope);
    await Promise.resolve();
    expect(started).toBe(false);
    await comm.wait();
    expect(started).toBe(true);
  });

  it("TC-06 ★ receiveNothing is true on an idle app, false once something is queued, and does not consume it", async () => {
    const comm = new ApplicationCommunicator(echoApp, scope);
    expect(await comm.receiveNothing()).toBe(true);
    await comm.sendInput({ type: "echo", n: 7 });
    expect(await comm.receiveNothing()).toBe(false);
    expect(comm.outputQueue.size).toBe(1);
    expect(await comm.receiveOutput()).toEqual({ type: "websocket.send", text: "7" });
    expect(await comm.receiveNothing(30, 5)).toBe(true);
    await comm.sendInput({ type: "stop" });
    await comm.wait();
  });

  it("TC-07 wait(timeout) on a never-ending app cancels it and rejects with TimeoutError", async () => {
    let cancelledWith: unknown;
    const comm = new ApplicationCommunicator(async (_scope, receive) => {
      try {
        await receive();
      } catch (error) {
        cancelledWith = error;
        throw error;
      }
    }, scope);
    const error = await comm.wait(100).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).name).toBe("TimeoutError");
    expect((error as Error).message).toBe("The application did not finish within 100 ms and was cancelled.");
    expect(comm.isCancelled).toBe(true);
    // The app's receive() was rejected with CancelledError, which is not reported as a failure.
    await comm.wait();
    expect(cancelledWith).toBeInstanceOf(CancelledError);
  });

  it("TC-07 receiveOutput after the app returned cleanly times out", async () => {
    const comm = new ApplicationCommunicator(async () => {}, scope);
    await comm.wait();
    const error = await comm.receiveOutput(50).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toBe(
      "The application sent nothing within 50 ms and was cancelled. Raise the timeout, or check that it sends what the test expects.",
    );
  });

  it("a receiveOutput timeout cancels the app: its send() rejects with CancelledError from then on", async () => {
    let sendError: unknown;
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const comm = new ApplicationCommunicator(async (_scope, _receive, send) => {
      await released;
      try {
        await send({ type: "websocket.send", text: "late" });
      } catch (error) {
        sendError = error;
      }
    }, scope);
    await expect(comm.receiveOutput(30)).rejects.toBeInstanceOf(TimeoutError);
    release();
    await comm.wait();
    expect(sendError).toBeInstanceOf(CancelledError);
    expect(comm.outputQueue.size).toBe(0);
  });

  it("an exception inside the app rejects the next call, after the outputs it sent first", async () => {
    const comm = new ApplicationCommunicator(async (_scope, _receive, send) => {
      await send({ type: "websocket.send", text: "before" });
      throw new RangeError("app failed");
    }, scope);
    expect(await comm.receiveOutput()).toEqual({ type: "websocket.send", text: "before" });
    await expect(comm.receiveOutput()).rejects.toThrow(RangeError);
    await expect(comm.sendInput({ type: "x" })).rejects.toThrow("app failed");
    await expect(comm.receiveNothing()).rejects.toThrow("app failed");
    await expect(comm.wait()).rejects.toThrow("app failed");
  });

  it("a synchronous throw from the application is reported like a rejection", async () => {
    const comm = new ApplicationCommunicator(
      (() => {
        throw new SyntaxError("sync failure");
      }) as unknown as Application,
      scope,
    );
    await expect(comm.wait()).rejects.toThrow(SyntaxError);
  });

  it("cancel() ends a waiting app quietly", async () => {
    const comm = new ApplicationCommunicator(echoApp, scope);
    await comm.sendInput({ type: "echo", n: 1 });
    await comm.receiveOutput();
    comm.cancel();
    comm.cancel();
    expect(comm.isCancelled).toBe(true);
    await expect(comm.wait()).resolves.toBeUndefined();
    expect(comm.done).toBe(true);
  });

  it("refuses an application that is not a function", () => {
    expect(() => new ApplicationCommunicator({} as Application, scope)).toThrow(TypeError);
    expect(() => new ApplicationCommunicator(null as unknown as Application, scope)).toThrow(
      "ApplicationCommunicator takes an application (an async function, or Consumer.asAsgi()); got null.",
    );
  });
});
