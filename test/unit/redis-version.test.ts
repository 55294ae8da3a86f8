import { describe, expect, it } from 'vitest';
import { versionProblem } from '../../src/state/redis-connection.js';

const info = (version: string) =>
  `# Server\r\nredis_version:${version}\r\nredis_git_sha1:00000000\r\nredis_mode:standalone\r\n`;

describe('the Redis version check at start-up', () => {
  it('accepts Redis 7.0 and newer, and Valkey (which reports a Redis version of 7.2.4)', () => {
    for (const version of ['7.0.0', '7.0.15', '7.2.4', '7.4.1', '8.0.2', '10.1.0'])
      expect(versionProblem(info(version))).toBeUndefined();
  });

  it('refuses Redis 6 and older, naming the version found and the one needed', () => {
    expect(versionProblem(info('6.2.14'))).toBe(
      'Redis 6.2.14 is too old: auditwatch needs Redis 7.0 or newer (Lua script flags)',
    );
    expect(versionProblem(info('5.0.7'))).toMatch(/^Redis 5\.0\.7 is too old/);
  });

  it('says nothing when INFO has no version (a proxy that hides it, or INFO refused)', () => {
    expect(versionProblem('')).toBeUndefined();
    expect(versionProblem('# Server\r\nredis_mode:standalone\r\n')).toBeUndefined();
  });
});
