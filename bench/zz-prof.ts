import { connect } from "/work/main/packages/layer-rabbitmq/node_modules/amqplib/channel_api.js";
import { startRabbitMQ } from "/work/main/packages/layer-rabbitmq/test/rabbitmq-server";
const broker = await startRabbitMQ();
try {
  for (const mode of ["no consumer", "consumer ack", "consumer noAck", "consumer ack, other connection"]) {
    const c = await connect(broker.url, { noDelay: true });
    const c2 = await connect(broker.url, { noDelay: true });
    const pub = await c.createConfirmChannel();
    const conCh = await (mode.includes("other") ? c2 : c).createChannel();
    const q = (await conCh.assertQueue("", { exclusive: true })).queue;
    if (mode !== "no consumer") await conCh.consume(q, (m) => { if (m && !mode.includes("noAck")) conCh.ack(m); }, { noAck: mode.includes("noAck") });
    const times: string[] = [];
    for (let i = 0; i < 6; i++) {
      const t = performance.now();
      await new Promise<void>((res, rej) => pub.publish("", q, Buffer.from("x"), {}, (e: unknown) => (e ? rej(e) : res())));
      times.push((performance.now() - t).toFixed(1));
    }
    console.log(mode.padEnd(35), times.join(" "));
    await c.close(); await c2.close();
  }
} finally { await broker.stop(); }
