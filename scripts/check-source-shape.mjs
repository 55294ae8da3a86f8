// Lint beside ESLint and Prettier: no line in src/ over 160 characters, no source file of 300 lines or more.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const MAX_LINE = 160;
const MAX_LINES = 300;

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (/\.(ts|lua)$/.test(entry.name)) yield path;
  }
}

const problems = [];
for (const file of files('src')) {
  const lines = readFileSync(file, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length >= MAX_LINES) problems.push(`${file}: ${lines.length} lines (split it: fewer than ${MAX_LINES})`);
  lines.forEach((line, i) => {
    if (line.length > MAX_LINE) problems.push(`${file}:${i + 1}: ${line.length} characters (at most ${MAX_LINE})`);
  });
}
for (const problem of problems) console.error(problem);
if (problems.length > 0) process.exit(1);
