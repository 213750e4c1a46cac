/**
 * Where things live on the broker. Every name starts with the layer's `prefix`, so several
 * applications can share one virtual host:
 *
 * - `<prefix>.process.<clientId>`: the exclusive queue of one layer instance (one process), holding
 *   messages for its process-local channels (`<anything>.<clientId>!<random>`) and its group copies;
 * - `<prefix>.channel.<channel>`: the durable queue of a plain channel, shared by every reader;
 * - `<prefix>.groups`: the direct exchange that routes a group message (routing key = group name) to
 *   the process queues bound for that group.
 */

const ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** `count` random ASCII letters and digits. */
export function randomToken(count: number): string {
  let out = "";
  for (let i = 0; i < count; i++) out += ALPHANUMERIC[Math.floor(Math.random() * ALPHANUMERIC.length)];
  return out;
}

export class BrokerNames {
  readonly processQueue: string;
  readonly groupsExchange: string;

  constructor(
    readonly prefix: string,
    readonly clientId: string,
  ) {
    this.processQueue = this.processQueueOf(clientId);
    this.groupsExchange = `${prefix}.groups`;
  }

  processQueueOf(clientId: string): string {
    return `${this.prefix}.process.${clientId}`;
  }

  plainQueue(channel: string): string {
    return `${this.prefix}.channel.${channel}`;
  }

  /** A fresh process-local channel name routed to this layer's process queue. */
  newChannel(prefix: string): string {
    return `${prefix}.${this.clientId}!${randomToken(12)}`;
  }

  /** `true` when `channel` is a process-local channel of this layer. */
  isOwn(channel: string): boolean {
    return clientIdOf(channel) === this.clientId;
  }
}

/**
 * The client id in a process-local name: the dot-free segment right before the `!`
 * (`"specific.rmqAbC!xyz"` → `"rmqAbC"`); `null` for a plain channel.
 */
export function clientIdOf(channel: string): string | null {
  const bang = channel.indexOf("!");
  if (bang === -1) return null;
  const head = channel.slice(0, bang);
  return head.slice(head.lastIndexOf(".") + 1);
}
