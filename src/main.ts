#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { Redis } from 'ioredis';
import { alertsCommand, type AlertsFlags } from './commands/alerts.js';
import { inspect } from './commands/inspect.js';
import { replayCommand } from './commands/replay.js';
import { createDelivery, testSinks } from './commands/sinks.js';
import { testRules, validateRules } from './commands/rules.js';
import { parseDuration } from './engine/duration.js';
import { startService } from './app.js';
import { loadServiceConfig } from './config/service-config.js';
import { AuditwatchError, ConfigError, ErrorCode, formatRuleProblem, RuleError, messageOf } from './errors.js';
import { createLogger } from './log.js';
import { businessHoursFrom, rulesDirsFrom } from './settings.js';
import { MemoryStateStore } from './state/memory-store.js';
import { RedisStateStore } from './state/redis-store.js';
import { packageVersion } from './version.js';

/**
 * Exit codes: 0 done, 1 findings (failed rule tests, invalid rules), 2 bad usage, config or input,
 * 3 (`run`) the Kafka consumer cannot work: credentials refused, an ACL or a topic missing (EXIT_KAFKA_FATAL).
 */
function exitCodeFor(error: unknown): number {
  if (error instanceof AuditwatchError) return error.code === ErrorCode.rule ? 1 : 2;
  return 1;
}

/** `run` exits with this when Kafka refuses to let the consumer work; a supervisor (Kubernetes) restarts it and counts the restarts. */
const EXIT_KAFKA_FATAL = 3;

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

function duration(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError('must be a duration such as 30s, 10m or 1h');
  return ms;
}

interface ReplayFlags {
  rules?: string;
  config?: string;
  redis?: string;
  redisPrefix: string;
  /** As typed on the command line: checked before use. */
  format: string;
  lateness: number;
  maxBytes: number;
  deliver?: boolean;
}

program
  .command('replay')
  .description('run the rules over JSON-lines audit events; alerts on stdout, a summary on stderr')
  .argument('[file]', 'JSON-lines file of audit events (.gz allowed); - or nothing for stdin')
  .option('--rules <dir>', 'rules directories, comma-separated (default: AUDITWATCH_RULES_DIR, else the bundled rules)')
  .option('--config <file>', 'YAML config file (default: AUDITWATCH_CONFIG)')
  .option('--redis <url>', 'keep state in this Redis instead of in memory')
  .option('--redis-prefix <prefix>', 'key prefix for --redis', 'aw-replay')
  .option('--format <format>', 'json (one alert per line) or pretty', 'json')
  .option(
    '--lateness <duration>',
    'how far out of time order events may be and still be evaluated in order',
    duration,
    15 * 60_000,
  )
  .option('--max-bytes <n>', 'largest event accepted, in bytes', positiveInt, 1024 * 1024)
  .option('--deliver', 'also send the alerts to the configured sinks (AUDITWATCH_* sink variables, --config routes)')
  .action(async (file: string | undefined, opts: ReplayFlags) => {
    const { format } = opts;
    if (format !== 'json' && format !== 'pretty')
      throw new AuditwatchError(ErrorCode.config, '--format must be json or pretty');
    const state =
      opts.redis === undefined
        ? new MemoryStateStore()
        : new RedisStateStore(new Redis(opts.redis, { lazyConnect: false, maxRetriesPerRequest: 3 }), opts.redisPrefix);
    try {
      const deliver = opts.deliver ? createDelivery(opts.config) : undefined;
      await replayCommand(file, {
        rulesDirs: rulesDirsFrom(opts.rules),
        hours: businessHoursFrom(opts.config),
        state,
        format,
        latenessMs: opts.lateness,
        maxBytes: opts.maxBytes,
        deliver,
      });
    } finally {
      await state.close();
    }
  });

program
  .command('run')
  .description(
    'the service: consume the audit topic, evaluate rules with Redis state, deliver alerts, serve /healthz /readyz /metrics',
  )
  .action(async () => {
    const config = loadServiceConfig();
    const log = createLogger(config.logLevel);
    // Signals are handled from the start: a SIGTERM while the service is still starting closes it once started.
    const starting = startService(config, log);
    let stopping = false;
    /** Closes the service and exits with `code` (0 after a signal); `why` names the signal or the Kafka failure. */
    const stop = (why: string, code: number) => {
      if (stopping) {
        if (code !== 0) return; // a Kafka failure during a shutdown: the shutdown goes on
        log.warn({ signal: why }, 'second signal: exiting now');
        process.exit(1);
      }
      stopping = true;
      const force = setTimeout(() => {
        log.error('shutdown took longer than the grace period; exiting');
        process.exit(code === 0 ? 1 : code);
      }, config.shutdownGraceMs + 2_000);
      force.unref();
      starting
        .then((service) => service.close())
        .then(
          () => process.exit(code),
          (error: unknown) => {
            log.error({ err: messageOf(error) }, 'shutdown failed');
            process.exit(code === 0 ? 1 : code);
          },
        );
    };
    process.once('SIGTERM', () => stop('SIGTERM', 0));
    process.once('SIGINT', () => stop('SIGINT', 0));
    const service = await starting;
    void service.failed.then((diagnosis) => {
      log.error(
        { code: diagnosis.code, exitCode: EXIT_KAFKA_FATAL },
        'exiting: the Kafka consumer cannot work (see the line before)',
      );
      stop(diagnosis.code, EXIT_KAFKA_FATAL);
    });
  });

program
  .command('sinks')
  .description('check alert delivery')
  .command('test')
  .description('send a clearly marked test alert to every configured sink, or to the one named')
  .argument('[name]', 'sink name (slack, pagerduty, webhook, or a name from the config file)')
  .option('--config <file>', 'YAML config file (default: AUDITWATCH_CONFIG)')
  .action(async (name: string | undefined, opts: { config?: string }) => {
    if (!(await testSinks(name, opts.config))) process.exitCode = 1;
  });

const alerts = program
  .command('alerts')
  .description(
    "the delivery queues in the service's Redis (AUDITWATCH_REDIS_URL, _PREFIX and the sink settings of `run`)",
  );
const sinkOption = ['--sink <name>', 'only this sink (default: every configured sink)'] as const;
const jsonOption = ['--json', 'one JSON object per line'] as const;
for (const kind of ['pending', 'failed'] as const) {
  alerts
    .command(kind)
    .description(
      kind === 'pending'
        ? 'alerts not yet delivered: waiting, delayed for a retry, or being delivered'
        : 'dead letters: alerts given up on (permanent refusal or the give-up time)',
    )
    .option(...sinkOption)
    .option(...jsonOption)
    .option('--limit <n>', 'at most this many per sink', positiveInt, 1000)
    .action(async (flags: AlertsFlags & { limit: number }) => {
      process.exitCode = await alertsCommand((admin, sinks) => admin.list(kind, sinks, flags.limit), flags);
    });
}
alerts
  .command('retry')
  .description('re-drive dead letters: each is delivered again, with a fresh give-up time')
  .argument('[ids...]', 'alert ids (see `alerts failed`)')
  .option('--all-failed', 'every dead letter (of --sink, or of every sink)')
  .option(...sinkOption)
  .option(...jsonOption)
  .action(async (ids: string[], flags: AlertsFlags & { allFailed?: boolean }) => {
    if (ids.length > 0 === (flags.allFailed === true))
      throw new AuditwatchError(ErrorCode.config, 'name alert ids or --all-failed (one of the two)');
    process.exitCode = await alertsCommand(
      (admin, sinks) => admin.retry(flags.allFailed ? undefined : ids, sinks),
      flags,
    );
  });
alerts
  .command('drop')
  .description('remove alerts from the queues (waiting, delayed or failed); they are not delivered')
  .argument('<ids...>', 'alert ids')
  .option(...sinkOption)
  .option(...jsonOption)
  .action(async (ids: string[], flags: AlertsFlags) => {
    process.exitCode = await alertsCommand((admin, sinks) => admin.drop(ids, sinks), flags);
  });

const rules = program.command('rules').description('validate and test rule files');
rules
  .command('validate')
  .description('check rule files against the schema; one line per problem')
  .argument('[dir]', 'rules directories, comma-separated (default: AUDITWATCH_RULES_DIR, else the bundled rules)')
  .option('--config <file>', 'YAML config file (default: AUDITWATCH_CONFIG)')
  .action((dir: string | undefined, opts: { config?: string }) => {
    validateRules(rulesDirsFrom(dir), businessHoursFrom(opts.config));
  });
rules
  .command('test')
  .description("run every rule's behaviour tests (events in, alerts out) with in-memory state")
  .argument('[dir]', 'rules directories, comma-separated (default: AUDITWATCH_RULES_DIR, else the bundled rules)')
  .option('--config <file>', 'YAML config file (default: AUDITWATCH_CONFIG)')
  .action(async (dir: string | undefined, opts: { config?: string }) => {
    if (!(await testRules(rulesDirsFrom(dir), businessHoursFrom(opts.config)))) process.exitCode = 1;
  });

// A reader that goes away (`| head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof ConfigError)
    process.stderr.write(`auditwatch: invalid configuration:\n${error.problems.map((p) => `  - ${p}`).join('\n')}\n`);
  else if (error instanceof RuleError)
    process.stderr.write(
      `auditwatch: invalid rules:\n${error.problems.map((p) => `  ${formatRuleProblem(p)}`).join('\n')}\n`,
    );
  else process.stderr.write(`auditwatch: ${messageOf(error)}\n`);
  process.exitCode = exitCodeFor(error);
}
