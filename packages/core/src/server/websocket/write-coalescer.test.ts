import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { WriteCoalescer } from "./write-coalescer";

/** A writable that records each system-call-sized write: one entry per `_write`/`_writev`. */
function recordingSocket() {
  const writes: string[][] = [];
  const socket = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      writes.push([chunk.toString()]);
      callback();
    },
    writev(chunks, callback) {
      writes.push(chunks.map(({ chunk }) => String(chunk)));
      callback();
    },
  });
  return { socket, writes };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("WriteCoalescer", () => {
  it("sends what one turn wrote to a socket in one write, at the end of the turn", async () => {
    const coalescer = new WriteCoalescer();
    const { socket, writes } = recordingSocket();
    for (const frame of ["a", "b", "c"]) {
      coalescer.hold(socket as never);
      socket.write(frame);
    }
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual([["a", "b", "c"]]);
  });

  it("keeps working across turns and across sockets", async () => {
    const coalescer = new WriteCoalescer();
    const one = recordingSocket();
    const two = recordingSocket();
    coalescer.hold(one.socket as never);
    one.socket.write("1a");
    coalescer.hold(two.socket as never);
    two.socket.write("2a");
    coalescer.hold(one.socket as never);
    one.socket.write("1b");
    await nextTurn();
    coalescer.hold(one.socket as never);
    one.socket.write("1c");
    await nextTurn();
    expect(one.writes).toEqual([["1a", "1b"], ["1c"]]);
    expect(two.writes).toEqual([["2a"]]);
  });

  it("leaves nested corks (ws corks around each frame) balanced", async () => {
    const coalescer = new WriteCoalescer();
    const { socket, writes } = recordingSocket();
    coalescer.hold(socket as never);
    socket.cork();
    socket.write("header");
    socket.write("payload");
    socket.uncork();
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual([["header", "payload"]]);
    expect(socket.writableCorked).toBe(0);
  });

  it("writes a socket out at once when it holds more than RELEASE_BYTES", async () => {
    const coalescer = new WriteCoalescer();
    const { socket, writes } = recordingSocket();
    coalescer.hold(socket as never);
    socket.write("small");
    coalescer.wrote(socket as never);
    expect(writes).toEqual([]);
    coalescer.hold(socket as never);
    socket.write("x".repeat(WriteCoalescer.RELEASE_BYTES));
    coalescer.wrote(socket as never);
    expect(writes.map((chunks) => chunks.length)).toEqual([2]);
    coalescer.hold(socket as never);
    socket.write("after");
    await nextTurn();
    expect(writes.at(-1)).toEqual(["after"]);
    expect(socket.writableCorked).toBe(0);
  });

  it("flush() writes at once", () => {
    const coalescer = new WriteCoalescer();
    const { socket, writes } = recordingSocket();
    coalescer.hold(socket as never);
    socket.write("now");
    coalescer.flush();
    expect(writes).toEqual([["now"]]);
  });
});
