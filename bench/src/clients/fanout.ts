// Fan-out: one room of N members, member 0 sends; every member (the sender too, as in the
// tutorial) receives every message. A steady phase sends at a fixed rate, a burst phase sends
// back to back; each counts deliveries, their latency from the send, and what never arrived.
import type { FanoutJob, FanoutResult, PhaseResult } from "./jobs";
import { connectMany } from "./protocol";
import { Samples, sleep } from "./stats";

// Message text: "<seq>:<padding>", so a frame is about the size of a short chat line.
const PADDING = "fanout-chat-line-0123456789";

class Phase {
  readonly sendTimes: Float64Array;
  readonly samples = new Samples();
  sent = 0;
  delivered = 0;
  /** Deliveries to the sender itself: shows whether losses are there or at the other members. */
  deliveredToSender = 0;
  firstSend = 0;
  lastDelivery = 0;
  constructor(
    readonly firstSeq: number,
    readonly messages: number,
    readonly members: number,
  ) {
    this.sendTimes = new Float64Array(messages);
  }
  deliver(seq: number, now: number, toSender: boolean): void {
    const index = seq - this.firstSeq;
    if (index < 0 || index >= this.sent) return;
    this.delivered++;
    if (toSender) this.deliveredToSender++;
    this.lastDelivery = now;
    this.samples.add(now - this.sendTimes[index]!);
  }
  result(): PhaseResult {
    const expected = this.messages * this.members;
    const seconds = Math.max(this.lastDelivery - this.firstSend, 1) / 1000;
    return {
      messages: this.messages,
      members: this.members,
      expected,
      delivered: this.delivered,
      lost: expected - this.delivered,
      lostAtSender: this.messages - this.deliveredToSender,
      deliveriesPerSecond: this.delivered / seconds,
      p50Ms: this.samples.percentile(50),
      p99Ms: this.samples.percentile(99),
    };
  }
}

/** When any chat frame last arrived, of any phase: a server still draining an earlier backlog is not quiet. */
let lastFrameAt = 0;

/**
 * Waits until every delivery of `phase` arrived, no frame at all arrived for `quietMs`, or
 * `capMs` passed. Waiting for silence rather than for this phase's frames means a slow server
 * finishes the backlog of one phase before the next one starts.
 */
async function settle(phase: Phase, job: FanoutJob): Promise<void> {
  const cap = performance.now() + job.capMs;
  const expected = phase.messages * phase.members;
  while (phase.delivered < expected && performance.now() < cap) {
    if (performance.now() - Math.max(lastFrameAt, phase.firstSend) > job.quietMs) break;
    await sleep(20);
  }
}

export async function runFanout(job: FanoutJob): Promise<FanoutResult> {
  const { clients, failed, firstError } = await connectMany(
    job.bases,
    job.protocol,
    job.members,
    100,
    () => "fanout",
  );
  if (failed > 0)
    throw new Error(`fan-out: ${failed} of ${job.members} members failed to connect: ${firstError}`);
  // Joins finish on the server after the handshake on some servers; let them land.
  await sleep(300);
  let phase: Phase | null = null;
  const sender = clients[0]!;
  for (const client of clients) {
    const isSender = client === sender;
    client.onMessage = (text) => {
      lastFrameAt = performance.now();
      phase?.deliver(Number.parseInt(text, 10), lastFrameAt, isSender);
    };
  }
  let seq = 0;
  const send = (current: Phase) => {
    current.sendTimes[current.sent++] = performance.now();
    sender.send(`${seq++}:${PADDING}`);
  };

  // Steady: a timer sends whatever the rate owes, so the rate holds without drift.
  const steadyMessages = Math.max(1, Math.round((job.steadyMessagesPerSecond * job.steadyMs) / 1000));
  const steady = new Phase(seq, steadyMessages, clients.length);
  phase = steady;
  steady.firstSend = performance.now();
  while (steady.sent < steadyMessages) {
    const owed = Math.min(
      steadyMessages,
      Math.floor(((performance.now() - steady.firstSend) / 1000) * job.steadyMessagesPerSecond) + 1,
    );
    while (steady.sent < owed) send(steady);
    await sleep(2);
  }
  await settle(steady, job);

  const burst = new Phase(seq, job.burstMessages, clients.length);
  phase = burst;
  burst.firstSend = performance.now();
  while (burst.sent < job.burstMessages) send(burst);
  await settle(burst, job);

  for (const client of clients) client.terminate();
  return { members: clients.length, steady: steady.result(), burst: burst.result() };
}
