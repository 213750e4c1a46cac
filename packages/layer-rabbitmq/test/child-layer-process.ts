/**
 * A second OS process for the two-process test, run with tsx. It joins `GROUP` with a channel of
 * its own, prints `{"ready": channel, "pid": …}` on stdout, answers every "hello" in the group
 * with a "hello.back" to the group, and exits when a message of type "exit" reaches its channel.
 */
import { RabbitMQChannelLayer } from "../src/index";

const url = process.env.RABBITMQ_URL!;
const group = process.env.GROUP!;
const layer = new RabbitMQChannelLayer({ url, prefix: process.env.PREFIX!, onError: () => {} });
const deadline = setTimeout(() => process.exit(3), 60_000); // never outlive a broken test

await layer.ready();
const channel = await layer.newChannel();
await layer.groupAdd(group, channel);
process.stdout.write(`${JSON.stringify({ ready: channel, pid: process.pid })}\n`);

for (;;) {
  const message = await layer.receive(channel);
  if (message.type === "exit") break;
  if (message.type === "hello")
    await layer.groupSend(group, { type: "hello.back", pid: process.pid, to: message.from });
}
await layer.close();
clearTimeout(deadline);
