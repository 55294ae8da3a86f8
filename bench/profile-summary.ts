/**
 * Summarizes V8 `.cpuprofile` files (from `node --cpu-prof`): the hottest
 * functions by self time, and by inclusive time (a function plus what it
 * calls), as shares of all samples.
 *
 *   npx tsx bench/profile-summary.ts bench/profiles/service-*.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One function's share of the profile. */
export interface HotFunction {
  name: string;
  /** Where it is defined: path relative to the repository, line (1-based). */
  where: string;
  selfShare: number;
  totalShare: number;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Self and inclusive shares per function (recursion counted once per sample). */
export function summarizeProfile(path: string): { samples: number; functions: HotFunction[] } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: ProfileNode): string => `${n.callFrame.functionName || '(anonymous)'}\u0000${where(n)}`;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  // Weight samples by their time delta so idle gaps do not distort shares.
  let all = 0;
  profile.samples.forEach((id, i) => {
    const weight = Math.max(0, profile.timeDeltas[i] ?? 0);
    all += weight;
    const leaf = byId.get(id)!;
    self.set(label(leaf), (self.get(label(leaf)) ?? 0) + weight);
    const seen = new Set<string>();
    for (let n: ProfileNode | undefined = leaf; n !== undefined; n = byId.get(parent.get(n.id) ?? -1)) {
      const l = label(n);
      if (seen.has(l)) continue;
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + weight);
    }
  });
  const functions = [...total.keys()].map((l) => {
    const [name, at] = l.split('\u0000') as [string, string];
    return { name, where: at, selfShare: (self.get(l) ?? 0) / all, totalShare: (total.get(l) ?? 0) / all };
  });
  return { samples: profile.samples.length, functions };
}

function where(n: ProfileNode): string {
  const url = n.callFrame.url;
  if (url === '') return '';
  const file = url.startsWith('file://') ? fileURLToPath(url) : url;
  const rel = file.startsWith(ROOT) ? relative(ROOT, file) : file;
  return `${rel}:${n.callFrame.lineNumber + 1}`;
}

/** A printable table of the top functions by self time and by inclusive time. */
export function formatProfile(path: string, top = 20): string {
  const { samples, functions } = summarizeProfile(path);
  const pct = (x: number) => `${(100 * x).toFixed(1).padStart(5)}%`;
  const row = (f: HotFunction) => `  ${pct(f.selfShare)} ${pct(f.totalShare)}  ${f.name}  ${f.where}`;
  const ignore = new Set(['(root)', '(program)', '(idle)', '(garbage collector)']);
  const bySelf = [...functions].sort((a, b) => b.selfShare - a.selfShare).slice(0, top);
  const byTotal = [...functions]
    .filter((f) => !ignore.has(f.name) && f.where !== '')
    .sort((a, b) => b.totalShare - a.totalShare)
    .slice(0, top);
  return [
    `${path} (${samples} samples)`,
    '  self   incl.  — by self time',
    ...bySelf.map(row),
    '  self   incl.  — by inclusive time (JavaScript with a source location)',
    ...byTotal.map(row),
  ].join('\n');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt === -1 ? 20 : Number(args[topAt + 1]);
  const files = args.filter((a, i) => a !== '--top' && i !== topAt + 1);
  for (const file of files) console.log(formatProfile(file, top));
}
