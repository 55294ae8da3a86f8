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
}

/**
 * Reads `<verbNoun>-<numKeys>.lua` files (`-n` for a variable number of keys),
 * resolving `-- @include name` lines from lua/includes/.
 */
export function loadScripts(): Map<string, LuaScript> {
  const scripts = new Map<string, LuaScript>();
  for (const file of readdirSync(LUA_DIR)) {
    const match = /^([a-z][a-z-]*)-(\d+|n)\.lua$/.exec(file);
    if (match === null) continue;
    const [, name, keys] = match;
    if (scripts.has(name!))
      throw new StateError(`two Lua scripts named ${name} in ${LUA_DIR.pathname} (a stale build?)`);
    let lua = readFileSync(new URL(file, LUA_DIR), 'utf8');
    for (let m = INCLUDE.exec(lua); m !== null; m = INCLUDE.exec(lua)) {
      const included = readFileSync(new URL(`includes/${m[1]}.lua`, LUA_DIR), 'utf8');
      lua = lua.replace(m[0], () => included);
    }
    scripts.set(name!, {
      command: `${name}:${packageVersion}`,
      numberOfKeys: keys === 'n' ? undefined : Number(keys),
      lua,
    });
  }
  return scripts;
}

/** Defines every script on a client with `defineCommand` (EVALSHA, falling back to EVAL once). */
export function defineScripts(redis: RedisClient, scripts: Map<string, LuaScript>): void {
  for (const script of scripts.values()) {
    redis.defineCommand(
      script.command,
      script.numberOfKeys === undefined ? { lua: script.lua } : { numberOfKeys: script.numberOfKeys, lua: script.lua },
    );
  }
}
