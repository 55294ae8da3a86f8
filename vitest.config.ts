import { defineConfig } from 'vitest/config';

/**
 * Three projects: `unit` (pure code, no network, fast), `integration` (real
 * Kafka and Redis from the global setup, see test/support/global-setup.ts) and
 * `reliability` (fault injection against the real services; minutes).
 */
export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Services are shared; files use unique topics, groups and key prefixes, but the 2-core
          // machines are faster with fewer JVM-heavy tests at once.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'reliability',
          include: ['test/reliability/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 600_000,
          hookTimeout: 120_000,
          // Fault tests kill and restart processes and brokers: one file at a time.
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
