/**
 * Declares the durable queues of plain channels, once per connection (and again before the broker's
 * idle expiry could delete them), with the channel's capacity as the queue's length limit.
 */
import type { Session } from "./connection";
import type { BrokerNames } from "./names";

const PRECONDITION_FAILED = 406;

export class PlainQueues {
  /** Queue → when it was last declared on the current connection. */
  private readonly declared = new Map<string, number>();
  private readonly declaring = new Map<string, Promise<void>>();
  /** Every plain queue this layer used, for `flush`. */
  private readonly known = new Set<string>();

  constructor(
    private readonly names: BrokerNames,
    private readonly capacityOf: (channel: string) => number,
    private readonly queueExpiryMs: number,
  ) {}

  /** The queue of `channel`, declared on the broker. */
  async declare(session: Session, channel: string): Promise<string> {
    const queue = this.names.plainQueue(channel);
    const at = this.declared.get(queue);
    // Re-declaring resets the broker's idle timer, so a queue declared this recently still exists.
    if (at !== undefined && Date.now() - at < this.queueExpiryMs / 2) return queue;
    let pending = this.declaring.get(queue);
    if (!pending) {
      pending = this.assert(session, queue, channel).finally(() => this.declaring.delete(queue));
      this.declaring.set(queue, pending);
    }
    await pending;
    return queue;
  }

  /** Forgets the declarations: a new connection declares again (the broker may have restarted). */
  reset(): void {
    this.declared.clear();
  }

  queues(): string[] {
    return [...this.known];
  }

  private async assert(session: Session, queue: string, channel: string): Promise<void> {
    const admin = await session.admin();
    try {
      await admin.assertQueue(queue, {
        durable: true,
        arguments: {
          "x-max-length": this.capacityOf(channel),
          "x-overflow": "reject-publish", // a full queue nacks the publish: ChannelFull on send
          "x-expires": this.queueExpiryMs,
        },
      });
    } catch (error) {
      if ((error as { code?: unknown }).code !== PRECONDITION_FAILED || session.dead) throw error;
      // Declared before by a layer with other options (capacity, expiry): use it as it is.
      await (await session.admin()).checkQueue(queue);
    }
    if (this.known.size < 100_000) this.known.add(queue);
    this.declared.set(queue, Date.now());
  }
}
