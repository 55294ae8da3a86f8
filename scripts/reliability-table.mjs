// Turns reports/reliability.jsonl (written by the reliability and abuse tests) into
// the README's Reliability table, between the reliability markers.
//   node scripts/reliability-table.mjs          rewrite README.md
//   node scripts/reliability-table.mjs --check  exit 1 when README.md is not what the tests measured
import { readFileSync, writeFileSync } from 'node:fs';

const REPORT = new URL('../reports/reliability.jsonl', import.meta.url);
const README = new URL('../README.md', import.meta.url);
const START = '<!-- reliability:start -->';
const END = '<!-- reliability:end -->';
const ORDER = [
  'Crash loop',
  'Crash loop, Redis Cluster',
  'Rebalance',
  'Three replicas, Redis Cluster',
  'Two replicas, slow sink',
  'Redis outage',
  'Redis restart, deliveries pending',
  'Sink outage',
  'Poisoned alert',
  'Kafka broker restart',
];

const latest = new Map();
for (const line of readFileSync(REPORT, 'utf8').split('\n')) {
  if (line.trim() === '') continue;
  const entry = JSON.parse(line);
  latest.set(entry.test, entry);
}
const rank = (name) => (ORDER.includes(name) ? ORDER.indexOf(name) : ORDER.length);
const rows = [...latest.values()].sort((a, b) => rank(a.test) - rank(b.test) || a.test.localeCompare(b.test));
const cell = (text) => String(text).replaceAll('|', '\\|');
const table = [
  '| test | load | faults injected | alerts expected | delivered | duplicated | duplicated, explained by a kill | result |',
  '|---|---|---|---:|---:|---:|---:|---|',
  ...rows.map(
    (r) =>
      `| ${cell(r.test)} | ${cell(r.load)} | ${cell(r.faults)} | ${r.expected} | ${r.delivered} | ${r.duplicated} | ${r.explained ?? 0} | ${r.result} |`,
  ),
].join('\n');
// Where a kill lands varies by run, and so does the count it explains: --check compares everything else.
const steady = (text) => text.replace(/^(\|(?:(?:\\\||[^|\n])*\|){6})\s*\d+\s*\|/gm, '$1 * |');

const readme = readFileSync(README, 'utf8');
const from = readme.indexOf(START);
const to = readme.indexOf(END);
if (from === -1 || to === -1) throw new Error(`README.md has no ${START} … ${END} markers`);
const updated = `${readme.slice(0, from + START.length)}\n${table}\n${readme.slice(to)}`;
if (process.argv.includes('--check')) {
  if (steady(updated) !== steady(readme)) {
    console.error(
      'README.md Reliability table differs from reports/reliability.jsonl: run `npm run reliability-table` and commit',
    );
    process.exit(1);
  }
  console.log(`reliability table: ${rows.length} rows, up to date`);
} else {
  writeFileSync(README, updated);
  console.log(`reliability table: ${rows.length} rows written`);
}
