/**
 * Which partitions are stuck, and why. Each partition is processed on its own
 * (up to PARTITIONS_CONCURRENTLY at once), so one partition's success says
 * nothing about another's failure: the service is not ready while any is failing.
 */
export class PartitionHealth {
  private readonly failing = new Map<string, string>();

  /** Marks a partition as failing; `reason` is a fixed text (it ends up in /readyz), never an error message with data in it. */
  fail(topic: string, partition: number, reason: string): void {
    this.failing.set(`${topic}/${partition}`, reason);
  }

  /** The partition is working again, or is no longer ours (revoked, or the consumer stopped). */
  clear(topic: string, partition: number): void {
    this.failing.delete(`${topic}/${partition}`);
  }

  get healthy(): boolean {
    return this.failing.size === 0;
  }

  /** One line per distinct reason, naming its partitions: "processing paused: state store failing (audit/0, audit/2)". */
  problems(): string[] {
    const byReason = new Map<string, string[]>();
    for (const [partition, reason] of this.failing) byReason.set(reason, [...(byReason.get(reason) ?? []), partition]);
    return [...byReason].map(
      ([reason, partitions]) => `processing paused: ${reason} (${partitions.sort().join(', ')})`,
    );
  }
}
