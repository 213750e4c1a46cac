import type { Redis } from "ioredis";
import {
  FLUSH,
  GROUP_ADD,
  GROUP_MEMBERS,
  GROUP_SEND_ONE_TRIP,
  GROUP_WRITE,
  POP_BATCH,
  PUT_BACK,
  SEND,
  WAKE,
} from "./lua-scripts";
import type { ScriptTable } from "./shard-connection";

type Arg = string | number | Buffer;

/** The core layer's scripts, defined on every client it makes. */
export const CORE_SCRIPTS: ScriptTable = {
  channelsSend: { lua: SEND, numberOfKeys: 1 },
  channelsGroupSendOneTrip: { lua: GROUP_SEND_ONE_TRIP, numberOfKeys: 1 },
  channelsGroupMembers: { lua: GROUP_MEMBERS, numberOfKeys: 1 },
  channelsGroupWrite: { lua: GROUP_WRITE },
  channelsGroupAdd: { lua: GROUP_ADD, numberOfKeys: 1 },
  channelsPopBatch: { lua: POP_BATCH },
  channelsPutBack: { lua: PUT_BACK, numberOfKeys: 1 },
  channelsWake: { lua: WAKE, numberOfKeys: 1 },
  channelsFlush: { lua: FLUSH, numberOfKeys: 0 },
};

/** An ioredis client with the scripts above (ioredis adds them at runtime; this types them). */
export interface ScriptClient extends Redis {
  channelsSend(
    key: string,
    member: Buffer,
    score: string,
    cutoff: string,
    capacity: number,
    expiryMs: number,
  ): Promise<number>;
  /** → [channels that were full, channels of the calling process to deliver locally] */
  channelsGroupSendOneTrip(key: string, ...args: Arg[]): Promise<[string[], string[]]>;
  channelsGroupMembers(key: string, cutoff: string): Promise<string[]>;
  /** `numKeys, ...keys, ...args` */
  channelsGroupWrite(numKeys: number, ...args: Arg[]): Promise<number[]>;
  channelsGroupAdd(key: string, score: string, channel: string, groupExpiryMs: number): Promise<number>;
  /** `numKeys, ...keys, ...counts` → flat [index, member, score, …] */
  channelsPopBatchBuffer(numKeys: number, ...args: Arg[]): Promise<Array<number | Buffer>>;
  channelsPutBack(key: string, score: string, member: Buffer, expiryMs: number): Promise<number>;
  channelsWake(key: string): Promise<number>;
  channelsFlush(pattern: string): Promise<number>;
}

export function scripted(client: Redis): ScriptClient {
  return client as ScriptClient;
}
