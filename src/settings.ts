import { fileURLToPath } from 'node:url';
import { loadConfigFile } from './config/config-file.js';
import type { BusinessHoursSpec } from './engine/rule-schema.js';

/** The rule pack shipped with the package. */
export const BUNDLED_RULES_DIR = fileURLToPath(new URL('../rules', import.meta.url));

/** Rules directory: the flag, else AUDITWATCH_RULES_DIR, else the bundled pack. */
export function rulesDirFrom(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? env.AUDITWATCH_RULES_DIR ?? BUNDLED_RULES_DIR;
}

/**
 * Business hours for `outside_hours` rules: the config file's `business_hours`,
 * with AUDITWATCH_TIMEZONE as the time zone when the file names none.
 */
export function businessHoursFrom(configPath: string | undefined, env: NodeJS.ProcessEnv = process.env): BusinessHoursSpec {
  const path = configPath ?? env.AUDITWATCH_CONFIG;
  const hours = path === undefined ? {} : (loadConfigFile(path, env).business_hours ?? {});
  return { ...hours, timezone: hours.timezone ?? env.AUDITWATCH_TIMEZONE };
}
