import { readFileSync } from 'node:fs';
import { decodeRecord, type Decoded } from '../../src/decode/decode.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);

/** Raw lines of a fixture file (JSON lines). */
export function fixtureLines(name: string): string[] {
  return readFileSync(new URL(name, FIXTURES), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

/** Decodes every line of a fixture file; fails the test if any line does not decode. */
export function decodedFixtures(name: string): Decoded[] {
  return fixtureLines(name).map((line, i) => {
    const result = decodeRecord(line);
    if (!result.ok) throw new Error(`${name} line ${i + 1}: ${result.reason}: ${result.message}`);
    return result;
  });
}

/** The decoded fixture event with this id. */
export function fixtureEvent(name: string, id: string): Decoded {
  const found = decodedFixtures(name).find((d) => d.event.id === id);
  if (found === undefined) throw new Error(`no event ${id} in ${name}`);
  return found;
}
