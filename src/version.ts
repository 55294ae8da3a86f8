import { readFileSync } from 'node:fs';

/** This package's version, used in script names so releases sharing a Redis never mix. */
export const packageVersion: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
