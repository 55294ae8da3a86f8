import type { Job, JobType } from 'bullmq';
import type { DeliveryJob, DeliveryQueues } from './delivery-queues.js';

/** One alert in a sink's queue, as `auditwatch alerts …` shows it. */
export interface QueuedAlert {
  sink: string;
  id: string;
  rule: string;
  severity: string;
  /** BullMQ state (waiting, delayed, active, prioritized, failed), or `dropped` after `drop`. */
  state: string;
  /** Delivery attempts made so far. */
  attempts: number;
  /** Why the last attempt failed, when one did. */
  lastError?: string;
  /** When it was queued (or re-driven), RFC 3339. */
  queuedAt: string;
}

/** Outcome of a change by id: what was done, and the ids found nowhere (or in a state that does not allow it). */
export interface AdminResult {
  done: QueuedAlert[];
  problems: string[];
}

const PENDING: JobType[] = ['waiting', 'prioritized', 'delayed', 'active'];

/** The operators' view of the delivery queues: list, re-drive dead letters, drop. Talks to the service's Redis. */
export class AlertAdmin {
  constructor(private readonly queues: DeliveryQueues) {}

  /** Alerts not yet delivered (`pending`) or given up on (`failed`), per sink, at most `limit` per sink. */
  async list(kind: 'pending' | 'failed', sinks: readonly string[], limit: number): Promise<QueuedAlert[]> {
    const lists = await Promise.all(
      sinks.map(async (sink) => {
        const jobs = await this.queues
          .queue(sink)
          .getJobs(kind === 'failed' ? ['failed'] : PENDING, 0, limit - 1, true);
        return Promise.all(jobs.map(async (job) => view(sink, job as Job<DeliveryJob>, await job.getState())));
      }),
    );
    return lists.flat();
  }

  /** Re-drives dead letters: each becomes waiting again with a fresh give-up time. `ids` undefined = every failed alert. */
  async retry(ids: readonly string[] | undefined, sinks: readonly string[], now = Date.now()): Promise<AdminResult> {
    return this.each(ids, sinks, 'failed', async (sink, job) => {
      await job.updateData({ ...job.data, queuedAt: now });
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      await this.queues.requeued(sink, job.data.alert.id, now);
      return 'waiting';
    });
  }

  /** Removes alerts that are waiting, delayed or failed (never one being delivered right now). */
  async drop(ids: readonly string[], sinks: readonly string[]): Promise<AdminResult> {
    return this.each(ids, sinks, undefined, async (sink, job) => {
      await job.remove();
      await this.queues.settled(sink, job.data.alert.id);
      return 'dropped';
    });
  }

  private async each(
    ids: readonly string[] | undefined,
    sinks: readonly string[],
    required: 'failed' | undefined,
    act: (sink: string, job: Job<DeliveryJob>) => Promise<string>,
  ): Promise<AdminResult> {
    const result: AdminResult = { done: [], problems: [] };
    const found = new Set<string>();
    for (const sink of sinks) {
      const queue = this.queues.queue(sink);
      const jobs =
        ids === undefined
          ? await queue.getJobs(['failed'], 0, -1)
          : (await Promise.all(ids.map((id) => queue.getJob(id)))).filter((j) => j !== undefined);
      for (const job of jobs as Array<Job<DeliveryJob>>) {
        found.add(job.data.alert.id);
        const state = await job.getState();
        if (state === 'active' || (required !== undefined && state !== required)) {
          result.problems.push(
            `${job.data.alert.id} in ${sink}: is ${state}${required === undefined ? ' (being delivered)' : `, not ${required}`}`,
          );
          continue;
        }
        result.done.push(view(sink, job, await act(sink, job)));
      }
    }
    for (const id of ids ?? [])
      if (!found.has(id)) result.problems.push(`${id}: no such alert in the queues of ${sinks.join(', ')}`);
    return result;
  }
}

function view(sink: string, job: Job<DeliveryJob>, state: string): QueuedAlert {
  const { alert, queuedAt } = job.data;
  return {
    sink,
    id: job.id ?? alert.id,
    rule: alert.rule,
    severity: alert.severity,
    state,
    attempts: job.attemptsMade,
    ...(job.failedReason ? { lastError: job.failedReason } : {}),
    queuedAt: new Date(queuedAt).toISOString(),
  };
}
