// Counts the commands the layer sends, with MONITOR: one per send, one per groupSend, however big the group.
import { redisServerSkipReason } from "@channels-ts/test-support";
import { useRedis } from "@channels-ts/test-support/vitest";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { RedisChannelLayer } from "../src/index";

const skip = redisServerSkipReason();

/** Records every command clients send (not the ones Lua runs), until `stop()` sees its marker go by. */
async function recordCommands(url: string) {
  const control = new Redis(url);
  const monitor = await control.monitor();
  const seen: string[][] = [];
  monitor.on("monitor", (_time: string, args: string[], source: string) => {
    if (source !== "lua") seen.push(args);
  });
  return {
    async stop(): Promise<string[][]> {
      // MONITOR reports commands in order: once our marker shows up, everything before it has too.
      const marker = `marker-${Math.random()}`;
      const sawMarker = new Promise<void>((resolve) =>
        monitor.on("monitor", (_t: string, args: string[]) => {
          if (args[1] === marker) resolve();
        }),
      );
      await control.echo(marker);
      await sawMarker;
      monitor.disconnect();
      control.disconnect();
      return seen.filter((args) => !(args[0]?.toLowerCase() === "echo" && args[1] === marker));
    },
  };
}

describe.skipIf(skip)(skip ? `Redis round trips (skipped: ${skip})` : "Redis round trips", () => {
  const redis = useRedis();

  it("the commands of one event-loop turn reach Redis in one write", async () => {
    const layer = new RedisChannelLayer({ hosts: [redis().url] });
    const control = new Redis(redis().url);
    const reads = async () => Number(/total_reads_processed:(\d+)/.exec(await control.info("stats"))?.[1]);
    await layer.send("turn.warm-up", { type: "m" }); // connects and loads the script
    const before = await reads();
    // Twenty sends issued in one turn, as twenty consumers' handlers would after one read.
    await Promise.all(Array.from({ length: 20 }, (_, i) => layer.send(`turn.channel${i}`, { type: "m", i })));
    const after = await reads();
    // One read of the twenty commands, one of the second INFO (and some slack for a split read);
    // a write per command would be twenty reads.
    expect(after - before).toBeLessThanOrEqual(4);
    for (let i = 0; i < 20; i++) expect(await layer.receive(`turn.channel${i}`)).toEqual({ type: "m", i });
    control.disconnect();
    await layer.close();
  });

  it("groupSend to a 1000-member group in one process is one Redis call, and reaches all 1000", async () => {
    const layer = new RedisChannelLayer({ hosts: [redis().url], capacity: 1000 });
    const members = await Promise.all(Array.from({ length: 1000 }, () => layer.newChannel()));
    await Promise.all(members.map((channel) => layer.groupAdd("big-group", channel)));
    await layer.groupSend("warm-up", { type: "m" }); // loads the script (EVALSHA, then EVAL on NOSCRIPT)
    const recorder = await recordCommands(redis().url);
    await layer.groupSend("big-group", { type: "big.message", text: "hello" });
    const commands = await recorder.stop();
    expect(commands.map((args) => args[0]?.toLowerCase())).toEqual(["evalsha"]);
    const received = await Promise.all(
      members.map((channel) => layer.receive(channel, AbortSignal.timeout(10_000))),
    );
    expect(received).toHaveLength(1000);
    for (const message of received) expect(message).toEqual({ type: "big.message", text: "hello" });
    await layer.close();
  });

  it("send is one Redis call, and none to a channel of the same process", async () => {
    const layer = new RedisChannelLayer({ hosts: [redis().url] });
    await layer.send("warm.up", { type: "m" });
    const recorder = await recordCommands(redis().url);
    await layer.send("one.call", { type: "m" });
    // A channel of this very process is handed over in the process: no Redis call at all.
    const own = await layer.newChannel();
    await layer.send(own, { type: "m" });
    const commands = await recorder.stop();
    expect(commands.map((args) => args[0]?.toLowerCase())).toEqual(["evalsha"]);
    expect(await layer.receive(own)).toEqual({ type: "m" });
    await layer.flush();
    await layer.close();
  });
});
