#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { inspect } from './commands/inspect.js';
import { AuditwatchError, ErrorCode } from './errors.js';
import { packageVersion } from './version.js';

/** Exit codes: 0 done, 1 findings (failed rule tests, invalid rules), 2 bad usage, config or input. */
function exitCodeFor(error: unknown): number {
  if (error instanceof AuditwatchError) return error.code === ErrorCode.rule ? 1 : 2;
  return 1;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

const program = new Command('auditwatch')
  .description('Security monitoring for Confluent Cloud and Confluent Platform audit logs')
  .version(packageVersion)
  .showHelpAfterError();

program
  .command('inspect')
  .description('print each audit event as auditwatch sees it (the fields rules match on), one JSON object per line')
  .argument('[file]', 'JSON-lines file of audit events (.gz allowed); - or nothing for stdin')
  .option('--max-bytes <n>', 'largest event accepted, in bytes', positiveInt, 1024 * 1024)
  .action(async (file: string | undefined, opts: { maxBytes: number }) => {
    await inspect(file, { maxBytes: opts.maxBytes });
  });

// A reader that goes away (`| head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

try {
  await program.parseAsync();
} catch (error) {
  process.stderr.write(`auditwatch: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = exitCodeFor(error);
}
