import { readdirSync, readFileSync } from 'node:fs';
import type { RedisClient } from './redis-connection.js';
import { StateError } from '../errors.js';
import { packageVersion } from '../version.js';

const LUA_DIR = new URL('./lua/', import.meta.url);
const INCLUDE = /^-- @include (\w[\w-]*)$/m;

export interface LuaScript {
  /** Command name on the client: `<name>:<package version>`, so releases never call each other's scripts. */
  command: string;
  /** Number of KEYS; undefined for `-n` scripts, whose callers pass the count first. */
  numberOfKeys?: number;
  lua: string;
  /** The script without its `-- @include` lines, and the names of those includes in order (for the batch script). */
  body: string;
  includes: string[];
}

/** Name of the script that applies a list of operations in one call (see batchScript). */
export const BATCH_SCRIPT = 'batch';

/**
 * Reads `<verbNoun>-<numKeys>.lua` files (`-n` for a variable number of keys),
 * resolving `-- @include name` lines from lua/includes/, and adds the batch script.
 */
export function loadScripts(): Map<string, LuaScript> {
  const scripts = new Map<string, LuaScript>();
  for (const file of readdirSync(LUA_DIR)) {
    const match = /^([a-z][a-z-]*)-(\d+|n)\.lua$/.exec(file);
    if (match === null) continue;
    const [, name = '', keys] = match;
    if (scripts.has(name) || name === BATCH_SCRIPT)
      throw new StateError(`two Lua scripts named ${name} in ${LUA_DIR.pathname} (a stale build?)`);
    let lua = readFileSync(new URL(file, LUA_DIR), 'utf8');
    let body = lua;
    const includes: string[] = [];
    for (let m = INCLUDE.exec(lua); m !== null; m = INCLUDE.exec(lua)) {
      const [line, include = ''] = m;
      includes.push(include);
      lua = lua.replace(line, () => readInclude(include));
      body = body.replace(line, '');
    }
    scripts.set(name, {
      command: `${name}:${packageVersion}`,
      numberOfKeys: keys === 'n' ? undefined : Number(keys),
      lua,
      body,
      includes,
    });
  }
  const batch = batchScript(scripts);
  scripts.set(BATCH_SCRIPT, {
    command: `${BATCH_SCRIPT}:${packageVersion}`,
    numberOfKeys: 1,
    lua: batch,
    body: batch,
    includes: [],
  });
  return scripts;
}

function readInclude(name: string): string {
  return readFileSync(new URL(`includes/${name}.lua`, LUA_DIR), 'utf8');
}

/**
 * One script that applies many operations in one call, in order, each exactly as
 * its own script would (same body, run as a function of its KEYS and ARGV), and
 * returns one reply per operation: what that script returns. The includes come
 * once, before the functions. Call: 1 key (only for routing on a cluster; every
 * key an operation touches is in the operations), and one argument, the
 * operations as msgpack: an array of [script name, [keys…], [arguments…]],
 * every key and argument a string (as a script's own KEYS and ARGV). One
 * argument instead of some twenty per operation spares Redis parsing them as
 * a command's arguments, and the client building them.
 * `allow-cross-slot-keys` (Redis 7.0+) lets one call touch keys of several
 * slots, as long as the node serves them all (else the script fails there).
 */
function batchScript(scripts: Map<string, LuaScript>): string {
  const included = new Set<string>();
  const functions: string[] = [];
  for (const [name, script] of scripts) {
    for (const include of script.includes) included.add(include);
    functions.push(`ops['${name}'] = function(KEYS, ARGV)\n${script.body}\nend`);
  }
  return [
    '#!lua flags=allow-cross-slot-keys',
    ...[...included].map(readInclude),
    'local ops = {}',
    ...functions,
    DISPATCH,
  ].join('\n');
}

const DISPATCH = `
local replies = {}
for i, op in ipairs(cmsgpack.unpack(ARGV[1])) do
  local run = ops[op[1]]
  if run == nil then return redis.error_reply('no script named ' .. tostring(op[1])) end
  replies[i] = run(op[2], op[3])
end
return replies
`;

/** Defines every script on a client with `defineCommand` (EVALSHA, falling back to EVAL once). */
export function defineScripts(redis: RedisClient, scripts: Map<string, LuaScript>): void {
  for (const script of scripts.values()) {
    redis.defineCommand(
      script.command,
      script.numberOfKeys === undefined ? { lua: script.lua } : { numberOfKeys: script.numberOfKeys, lua: script.lua },
    );
  }
}
