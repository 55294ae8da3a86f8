import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * One row of the README's Reliability table, written by the test that measured
 * it. Counts are alerts unless `load`/`faults` say otherwise.
 */
export interface ReliabilityEntry {
  /** Short name of the test, capitalised like the README rows, e.g. "Malformed corpus". */
  test: string;
  /** What went in, e.g. "20,400 events, 3 partitions" or "13,000 malformed + 220 valid records (21 MB)". */
  load: string;
  /** What was done to the system, e.g. "10 SIGKILLs" or "malformed records by reason: invalid_json 4,120, …". */
  faults: string;
  /** Alerts the ground truth (replay of the same events) raises. */
  expected: number;
  /** Distinct expected alerts that arrived at the sink. */
  delivered: number;
  /** Alerts that arrived more than once without a kill to explain it (the promise: none). */
  duplicated: number;
  /** Alerts that arrived twice because a replica was killed between the sink's answer and its record (varies by run). */
  explained?: number;
  /** Default: `pass` when delivered === expected and duplicated === 0, else `fail`. */
  result?: 'pass' | 'fail';
}

/** reports/reliability.jsonl at the repository root (gitignored with the rest of reports/). */
export const RELIABILITY_REPORT = fileURLToPath(new URL('../../reports/reliability.jsonl', import.meta.url));

/**
 * Appends one JSON line `{test, load, faults, expected, delivered, duplicated, explained, result}`
 * to reports/reliability.jsonl, creating reports/. Call it before the test's own
 * assertions, so a failing run is on record too. Each line is one small append,
 * so test files running in parallel do not interleave; the file only grows, so a
 * reader keeps the last line per `test`.
 */
export function recordReliability(entry: ReliabilityEntry, file: string = RELIABILITY_REPORT): void {
  const line = {
    test: entry.test,
    load: entry.load,
    faults: entry.faults,
    expected: entry.expected,
    delivered: entry.delivered,
    duplicated: entry.duplicated,
    explained: entry.explained ?? 0,
    result: entry.result ?? (entry.delivered === entry.expected && entry.duplicated === 0 ? 'pass' : 'fail'),
  };
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify(line)}\n`);
}
