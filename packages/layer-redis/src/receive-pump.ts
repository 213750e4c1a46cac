import { scripted } from "./script-client";
import type { ShardConnection } from "./shard-connection";

/** What a pump needs from its layer. */
export interface PumpOwner {
  isClosed(): boolean;
  /** Redis key → most members to pop from it now (the keys someone in this process waits on). */
  wantedKeys(): Map<string, number>;
  /** Handles one popped member (decode, route to waiters, or put back). */
  dispatch(shard: ShardConnection, key: string, member: Buffer, score: number): void;
  /** Our private key for waking our own blocked pop. */
  readonly wakeKey: string;
  report(error: Error): void;
}

const RETRY_MS = 200;

/**
 * One shard's receive loop, on that shard's blocking connection: pops a batch from every wanted
 * key in one script, and when there is nothing, blocks in one BZPOPMIN over all of them (plus our
 * wake key, so a receive on a new key need not wait for the timeout).
 */
export class ReceivePump {
  private running: Promise<void> | undefined;
  private blockedOn: Set<string> | undefined;
  private woken = false;
  private idle: (() => void) | undefined;

  constructor(
    private readonly shard: ShardConnection,
    private readonly owner: PumpOwner,
    private readonly blockTimeoutS: number,
  ) {}

  /** Makes sure the loop runs and will pop from `key`. */
  want(key: string): void {
    if (!this.running) {
      this.running = this.loop().finally(() => {
        this.running = undefined;
      });
      return;
    }
    if (this.idle) {
      this.resume();
      return;
    }
    if (this.blockedOn && !this.blockedOn.has(key)) this.wake();
  }

  /** Resolves when the loop has stopped (after the layer closed). */
  async stopped(): Promise<void> {
    this.resume();
    this.wake();
    await this.running;
  }

  private resume(): void {
    const idle = this.idle;
    this.idle = undefined;
    idle?.();
  }

  private wake(): void {
    if (this.woken || !this.blockedOn) return;
    this.woken = true;
    this.shard.run("wake", (client) => scripted(client).channelsWake(this.owner.wakeKey)).catch(() => {});
  }

  private async loop(): Promise<void> {
    const client = scripted(this.shard.blocking);
    for (;;) {
      if (this.owner.isClosed()) return;
      const wanted = this.owner.wantedKeys();
      if (wanted.size === 0) {
        await new Promise<void>((resolve) => {
          this.idle = resolve;
        });
        continue;
      }
      const keys = [...wanted.keys()];
      this.blockedOn = new Set(keys);
      this.woken = false;
      try {
        await this.shard.waitReady(client, Number.POSITIVE_INFINITY, "receive");
        const batch = await client.channelsPopBatchBuffer(keys.length, ...keys, ...wanted.values());
        if (batch.length > 0) {
          for (let i = 0; i + 2 < batch.length; i += 3) {
            const key = keys[(batch[i] as number) - 1]!;
            this.owner.dispatch(this.shard, key, batch[i + 1] as Buffer, Number(String(batch[i + 2])));
          }
          continue;
        }
        const hit = await client.bzpopminBuffer(...keys, this.owner.wakeKey, this.blockTimeoutS);
        if (hit) {
          const key = hit[0].toString("utf8");
          if (key !== this.owner.wakeKey)
            this.owner.dispatch(this.shard, key, hit[1], Number(hit[2].toString()));
        }
      } catch (error) {
        if (this.owner.isClosed()) return;
        // Connection errors are reported by the client's error listener; Redis's own refusals
        // (a WRONGTYPE key, an OOM) are news.
        if (error instanceof Error && error.name === "ReplyError") this.owner.report(error);
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      } finally {
        this.blockedOn = undefined;
      }
    }
  }
}
