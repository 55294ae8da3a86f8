import { appendFileSync, mkdirSync } from 'node:fs';

/** One row of the README's Reliability table, written by the test that measured it. */
export interface ReliabilityEntry {
  test: string;
  /** What went in, e.g. "20,400 events, 3 partitions". */
  load: string;
  /** What was done to the system. */
  faults: string;
  /** Alerts the ground truth (replay of the same events) raises. */
  expected: number;
  /** Distinct alerts that arrived at the sink. */
  delivered: number;
  /** Alerts that arrived more than once. */
  duplicated: number;
  result: 'pass' | 'fail';
}

const REPORT = new URL('../../reports/reliability.jsonl', import.meta.url);

/** Appends one entry to reports/reliability.jsonl (gitignored); `npm run reliability-table` renders it. */
export function recordReliability(entry: ReliabilityEntry): void {
  mkdirSync(new URL('.', REPORT), { recursive: true });
  appendFileSync(REPORT, `${JSON.stringify(entry)}\n`);
}
