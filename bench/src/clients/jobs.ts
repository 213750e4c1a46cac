// The jobs a load-generator child runs, and what it reports back over IPC.
import type { Protocol } from "./protocol";

export interface EchoJob {
  kind: "echo";
  bases: string[];
  protocol: Protocol;
  clients: number;
  warmupMs: number;
  durationMs: number;
}

export interface FanoutJob {
  kind: "fanout";
  bases: string[];
  protocol: Protocol;
  members: number;
  steadyMessagesPerSecond: number;
  steadyMs: number;
  burstMessages: number;
  quietMs: number;
  capMs: number;
}

export interface IdleJob {
  kind: "idle";
  bases: string[];
  protocol: Protocol;
  connections: number;
  concurrency: number;
}

export type Job = EchoJob | FanoutJob | IdleJob;

export interface EchoResult {
  clients: number;
  messages: number;
  messagesPerSecond: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** Echoes that never came back. */
  lost: number;
}

export interface PhaseResult {
  messages: number;
  members: number;
  expected: number;
  delivered: number;
  lost: number;
  /** Of `lost`, those the sender itself never got back. */
  lostAtSender: number;
  deliveriesPerSecond: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

export interface FanoutResult {
  members: number;
  steady: PhaseResult;
  burst: PhaseResult;
}

export interface IdleConnected {
  type: "connected";
  connected: number;
  failed: number;
  firstError?: string;
  connectMs: number;
}

export interface ResultMessage<T> {
  type: "result";
  result: T;
}

export interface FailureMessage {
  type: "failure";
  error: string;
}
