// Copies the non-TypeScript files the build needs (Lua scripts) from src/ to dist/.
import { cpSync, existsSync } from 'node:fs';

for (const dir of ['state/lua']) {
  if (existsSync(`src/${dir}`)) cpSync(`src/${dir}`, `dist/${dir}`, { recursive: true });
}
