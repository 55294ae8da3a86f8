import { fileURLToPath } from 'node:url';
import { loadConfigFile } from './config/config-file.js';
import type { BusinessHoursSpec } from './engine/rule-schema.js';

/** The rule pack shipped with the package. */
export const BUNDLED_RULES_DIR = fileURLToPath(new URL('../rules', import.meta.url));

/**
 * Rules directories: the flag, else AUDITWATCH_RULES_DIR, else the bundled
 * pack. Either may list several directories separated by commas.
 */
export function rulesDirsFrom(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = (flag ?? env.AUDITWATCH_RULES_DIR ?? '')
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '');
  return dirs.length === 0 ? [BUNDLED_RULES_DIR] : dirs;
}

/**
 * Business hours for `outside_hours` rules: the config file's `business_hours`,
 * with AUDITWATCH_TIMEZONE as the time zone when the file names none.
 */
export function businessHoursFrom(
  configPath: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): BusinessHoursSpec {
  const path = configPath ?? env.AUDITWATCH_CONFIG;
  const hours = path === undefined ? {} : (loadConfigFile(path, env).business_hours ?? {});
  return { ...hours, timezone: hours.timezone ?? env.AUDITWATCH_TIMEZONE };
}
