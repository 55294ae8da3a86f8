/**
 * Only the replay measurement of `npm run bench`, without Kafka: writes the
 * benchmark's stream (the same options as bench/run.ts) into a JSON-lines file
 * once, then runs `runReplay()` (bench/replay-run.ts) on it a few times in this
 * process and prints each run's figures. Build first (`npm run build`): the
 * replay is loaded from dist/.
 *
 *   npx tsx bench/replay-only.ts [--runs 3] [--events 200000] [--file PATH] [--profile FILE.cpuprofile]
 */
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { auditStream } from './audit-stream.js';
import { runReplay } from './replay-run.js';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    events: { type: 'string', default: '200000' },
    file: { type: 'string' },
    profile: { type: 'string' },
  },
});

const events = Number(args.events);
const file = args.file ?? join(tmpdir(), `auditwatch-replay-${events}.jsonl`);
const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

if (!existsSync(file)) {
  // The stream of bench/run.ts (full mode): its defaults for keys, users, IPs and attacks.
  const fd = openSync(file, 'w');
  let pending: string[] = [];
  for (const r of auditStream({ events })) {
    pending.push(r.value);
    if (pending.length >= 1_000) {
      writeSync(fd, pending.join('\n') + '\n');
      pending = [];
    }
  }
  if (pending.length > 0) writeSync(fd, pending.join('\n') + '\n');
  closeSync(fd);
}

console.log(`file ${file}; load average ${load()}`);
for (let run = 1; run <= Number(args.runs); run++) {
  const r = await runReplay(file, run === 1 ? args.profile : undefined);
  console.log(
    `run ${run}: replay_eps ${Math.round(r.replayEps)}, parse_eps ${Math.round(r.parseEps)} (${r.parsePasses
      .map(Math.round)
      .join(
        ' / ',
      )}), replay_ratio ${(r.replayEps / r.parseEps).toFixed(3)}, ${r.events} events, ${r.alerts} alerts; load ${load()}`,
  );
}
