/**
 * The group memberships this layer added: group → member channel → when it joined (ms). The broker
 * only knows that this process's queue is bound for a group; which channels get the message is
 * decided here, when a group message arrives (local fan-out).
 */
export class GroupMembers {
  private readonly groups = new Map<string, Map<string, number>>();

  /** Adds or renews a membership; `true` when the group is new here (the queue must be bound). */
  add(group: string, channel: string, now: number): boolean {
    const members = this.groups.get(group);
    if (members) {
      members.set(channel, now);
      return false;
    }
    this.groups.set(group, new Map([[channel, now]]));
    return true;
  }

  /** Removes a membership; `true` when that emptied the group (the queue must be unbound). */
  discard(group: string, channel: string): boolean {
    const members = this.groups.get(group);
    if (!members?.delete(channel)) return false;
    if (members.size > 0) return false;
    this.groups.delete(group);
    return true;
  }

  /**
   * The members of `group` that joined after `joinedAfter`; older ones are forgotten. `emptied` is
   * `true` when that left the group without members.
   */
  members(group: string, joinedAfter: number): { channels: string[]; emptied: boolean } {
    const members = this.groups.get(group);
    if (!members) return { channels: [], emptied: false };
    const channels: string[] = [];
    for (const [channel, joinedAt] of members) {
      if (joinedAt < joinedAfter) members.delete(channel);
      else channels.push(channel);
    }
    if (members.size > 0) return { channels, emptied: false };
    this.groups.delete(group);
    return { channels, emptied: true };
  }

  /** Removes `channel` from every group; returns the groups that emptied. */
  evict(channel: string): string[] {
    const emptied: string[] = [];
    for (const [group, members] of this.groups) {
      if (members.delete(channel) && members.size === 0) {
        this.groups.delete(group);
        emptied.push(group);
      }
    }
    return emptied;
  }

  has(group: string): boolean {
    return this.groups.has(group);
  }

  /** Every group with members here. */
  names(): string[] {
    return [...this.groups.keys()];
  }

  /** Forgets everything; returns the groups there were. */
  clear(): string[] {
    const names = this.names();
    this.groups.clear();
    return names;
  }
}
