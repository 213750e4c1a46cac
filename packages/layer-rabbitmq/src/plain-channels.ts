/**
 * Receiving on plain channels: a consumer on the channel's durable queue while someone waits on it.
 * Several processes reading one plain channel compete for its messages, each taken once.
 *
 * A delivery nobody is waiting for yet stays unacknowledged ("held") until the next receive; after
 * a second without receivers the consumer stops and hands its held messages back to the queue, so
 * other readers get them.
 */
import { ChannelLayerClosed, type LayerMessage } from "@channels-ts/core";
import { WaitingReceivers } from "@channels-ts/core/layers";
import type { ConsumeMessage } from "amqplib";
import { decodeOrNull } from "./codec";
import type { Session } from "./connection";

const IDLE_CONSUMER_MS = 1_000;

interface Held {
  delivery: ConsumeMessage;
  expiresAt: number;
}

interface Reader {
  readonly channel: string;
  held: Held[];
  /** The session whose consumer feeds `held`; deliveries of older sessions are void. */
  session: Session | undefined;
  consumerTag: string | undefined;
  starting: Promise<void> | undefined;
  idleTimer: NodeJS.Timeout | undefined;
}

export interface PlainChannelsOptions {
  /** The live session, if any (receives never wait for one: they wait for messages). */
  currentSession(): Session | null;
  /** Makes sure the channel's queue exists on the broker. */
  declare(session: Session, channel: string): Promise<string>;
  /** When a message delivered now expires, from its header and the local expiry. */
  expiresAt(delivery: ConsumeMessage): number;
  /** Told about a delivery that is not a message of ours (it is skipped). */
  onUndecodable(error: Error): void;
}

export class PlainChannels {
  private readonly readers = new Map<string, Reader>();
  private readonly receivers = new WaitingReceivers();

  constructor(private readonly options: PlainChannelsOptions) {}

  /** Names of the plain channels this layer has read from (for `flush`). */
  channels(): string[] {
    return [...this.readers.keys()];
  }

  receive(channel: string, signal: AbortSignal | undefined): Promise<LayerMessage> {
    const reader = this.reader(channel);
    const message = this.takeHeld(reader);
    if (message) return Promise.resolve(message);
    const promise = this.receivers.wait(channel, signal, () => this.maybeIdle(reader));
    clearTimeout(reader.idleTimer);
    reader.idleTimer = undefined;
    const session = this.options.currentSession();
    if (session) void this.startConsumer(reader, session);
    return promise;
  }

  /** Called on every new session: readers with waiters get their consumer back. */
  async resume(session: Session): Promise<void> {
    for (const reader of this.readers.values()) {
      if (this.receivers.count(reader.channel) > 0) await this.startConsumer(reader, session);
    }
  }

  /** The session died: its unacknowledged deliveries go back to the queue on the broker's side. */
  lost(session: Session): void {
    for (const reader of this.readers.values()) {
      if (reader.session !== session) continue;
      reader.session = undefined;
      reader.consumerTag = undefined;
      reader.held = [];
    }
  }

  /** Drops held deliveries (acknowledging them, so the broker forgets them too). */
  flushHeld(): void {
    for (const reader of this.readers.values()) {
      for (const held of reader.held.splice(0)) this.ack(reader, held.delivery);
    }
  }

  close(): void {
    this.receivers.rejectAll(new ChannelLayerClosed());
    for (const reader of this.readers.values()) clearTimeout(reader.idleTimer);
    this.readers.clear();
  }

  private reader(channel: string): Reader {
    let reader = this.readers.get(channel);
    if (!reader) {
      reader = {
        channel,
        held: [],
        session: undefined,
        consumerTag: undefined,
        starting: undefined,
        idleTimer: undefined,
      };
      this.readers.set(channel, reader);
    }
    return reader;
  }

  private takeHeld(reader: Reader): LayerMessage | null {
    const now = Date.now();
    while (reader.held.length > 0) {
      const held = reader.held.shift()!;
      this.ack(reader, held.delivery);
      if (held.expiresAt <= now) continue;
      const message = decodeOrNull(held.delivery.content, this.options.onUndecodable);
      if (message) return message;
    }
    return null;
  }

  private async startConsumer(reader: Reader, session: Session): Promise<void> {
    if (reader.session === session && (reader.consumerTag || reader.starting)) return reader.starting;
    reader.session = session;
    let starting: Promise<void> | undefined;
    starting = (async () => {
      await Promise.resolve(); // so that `starting` is assigned before the finally below reads it
      try {
        const queue = await this.options.declare(session, reader.channel);
        if (session.dead || reader.session !== session) return;
        const { consumerTag } = await session.consumer.consume(queue, (delivery) =>
          this.onDelivery(reader, session, delivery),
        );
        if (reader.session === session) reader.consumerTag = consumerTag;
      } catch (error) {
        if (reader.session === session) reader.session = undefined;
        // A lost connection restarts the consumer on the next session; anything else would leave
        // the receivers waiting forever, so they hear about it.
        if (!session.dead) this.receivers.rejectAll(error, reader.channel);
      } finally {
        if (reader.starting === starting) reader.starting = undefined;
      }
    })();
    reader.starting = starting;
    return starting;
  }

  private onDelivery(reader: Reader, session: Session, delivery: ConsumeMessage | null): void {
    if (reader.session !== session) return;
    if (delivery === null) {
      // The broker cancelled the consumer (the queue was deleted): declare it again if anyone waits.
      reader.consumerTag = undefined;
      reader.session = undefined;
      if (this.receivers.count(reader.channel) > 0 && !session.dead) void this.startConsumer(reader, session);
      return;
    }
    const held: Held = { delivery, expiresAt: this.options.expiresAt(delivery) };
    if (this.receivers.count(reader.channel) === 0) {
      reader.held.push(held);
      return;
    }
    this.ack(reader, delivery);
    if (held.expiresAt <= Date.now()) return;
    const message = decodeOrNull(delivery.content, this.options.onUndecodable);
    if (!message) return;
    this.receivers.deliver(reader.channel, message);
    this.maybeIdle(reader);
  }

  /** With no receivers left, stop consuming after a while and give held messages back. */
  private maybeIdle(reader: Reader): void {
    if (this.receivers.count(reader.channel) > 0 || reader.idleTimer || !reader.session) return;
    reader.idleTimer = setTimeout(() => {
      reader.idleTimer = undefined;
      if (this.receivers.count(reader.channel) > 0) return;
      void this.stopConsumer(reader);
    }, IDLE_CONSUMER_MS);
    reader.idleTimer.unref();
  }

  private async stopConsumer(reader: Reader): Promise<void> {
    const { session, consumerTag } = reader;
    if (!session || !consumerTag || session.dead) return;
    // Deliveries that race the cancel still land in `held` (or with a new receiver) meanwhile.
    try {
      await session.consumer.cancel(consumerTag);
    } catch {
      return; // the connection went; the broker requeues by itself
    }
    if (reader.session !== session) return;
    if (this.receivers.count(reader.channel) > 0) {
      // A receive came while cancelling: consume again.
      reader.consumerTag = undefined;
      reader.session = undefined;
      await this.startConsumer(reader, session);
      return;
    }
    // Give the held messages back to the queue for other readers, in order.
    for (const held of reader.held.splice(0)) settle(session, held.delivery, "requeue");
    reader.consumerTag = undefined;
    reader.session = undefined;
    if (this.readers.get(reader.channel) === reader) this.readers.delete(reader.channel); // nothing left to keep
  }

  private ack(reader: Reader, delivery: ConsumeMessage): void {
    if (reader.session) settle(reader.session, delivery, "ack");
  }
}

/** Acks or requeues a delivery; a no-op once the session is gone (the broker requeues it then). */
function settle(session: Session, delivery: ConsumeMessage, how: "ack" | "requeue"): void {
  if (session.dead) return;
  try {
    if (how === "ack") session.consumer.ack(delivery);
    else session.consumer.nack(delivery, false, true);
  } catch {
    // The channel closed under us: same as a lost session.
  }
}
