// Copies the non-TypeScript files the build needs (Lua scripts) from src/ to dist/.
import { cpSync, existsSync, rmSync } from 'node:fs';

for (const dir of ['state/lua']) {
  if (!existsSync(`src/${dir}`)) continue;
  // A renamed script (its KEYS count is in its name) must not survive in dist/ beside its successor.
  rmSync(`dist/${dir}`, { recursive: true, force: true });
  cpSync(`src/${dir}`, `dist/${dir}`, { recursive: true });
}
