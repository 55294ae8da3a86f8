import type { SinkSpec } from '../config/config-file.js';
import { parseDuration } from '../engine/duration.js';
import { AlertmanagerSink } from './alertmanager.js';
import { PagerDutySink } from './pagerduty.js';
import type { Sink } from './sink.js';
import { SlackSink } from './slack.js';
import { StdoutSink } from './stdout.js';
import { WebhookSink } from './webhook.js';

export interface CreateSinksOptions {
  /** Timeout of one delivery attempt for every HTTP sink, in milliseconds; default 10 000. */
  timeoutMs?: number;
}

/**
 * One sink per configured spec. Every constructor validates its URL, key or
 * secret, so a bad one stops the service at start-up with a ConfigError that
 * names the sink and field but never the value.
 */
export function createSinks(specs: readonly SinkSpec[], options: CreateSinksOptions = {}): Sink[] {
  const { timeoutMs } = options;
  return specs.map((spec): Sink => {
    switch (spec.type) {
      case 'slack':
        return new SlackSink({ name: spec.name, webhookUrl: spec.webhook_url, timeoutMs });
      case 'pagerduty':
        return new PagerDutySink({ name: spec.name, routingKey: spec.routing_key, url: spec.url, timeoutMs });
      case 'webhook':
        return new WebhookSink({ name: spec.name, url: spec.url, secret: spec.secret, timeoutMs });
      case 'alertmanager':
        return new AlertmanagerSink({
          name: spec.name,
          url: spec.url,
          resolveAfterMs: spec.resolve_after === undefined ? undefined : parseDuration(spec.resolve_after),
          generatorUrl: spec.generator_url,
          headers: spec.headers,
          basicAuth: spec.basic_auth,
          bearerToken: spec.bearer_token,
          timeoutMs,
        });
      case 'stdout':
        return new StdoutSink({ name: spec.name });
    }
  });
}
