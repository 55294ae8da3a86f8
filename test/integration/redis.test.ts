import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { requireServices, services } from '../support/services.js';

describe.skipIf(services() === null)('Redis (real server)', () => {
  it('answers and runs Lua', async () => {
    const redis = new Redis(requireServices().redisUrl, { lazyConnect: true });
    await redis.connect();
    expect(await redis.ping()).toBe('PONG');
    expect(await redis.eval('return ARGV[1] + 1', 0, '41')).toBe(42);
    redis.disconnect();
  });
});
