import { alertId, type Alert } from '../alerts/alert.js';
import { renderSummary } from '../alerts/summary.js';
import type { CompiledRule } from './compile.js';
import { formatDuration } from './duration.js';

/**
 * The silence detector: the one detector on the wall clock. Returns the alert
 * when no event has arrived for the rule's `after`, else undefined. The id
 * depends on the last arrival, so one silence raises one alert however many
 * replicas check it and however often.
 */
export function checkSilence(rule: CompiledRule, lastEventAtMs: number | undefined, nowMs: number): Alert | undefined {
  if (rule.detector.type !== 'silence' || lastEventAtMs === undefined) return undefined;
  if (nowMs - lastEventAtMs < rule.detector.afterMs) return undefined;
  const window = formatDuration(rule.detector.afterMs);
  const trigger = `silence:${lastEventAtMs}`;
  const time = new Date(nowMs).toISOString();
  return {
    id: alertId(rule.id, '', trigger),
    rule: rule.id,
    ruleVersion: rule.version,
    title: rule.title,
    severity: rule.severity,
    tags: rule.tags,
    time,
    trigger,
    key: {},
    count: 0,
    window,
    events: [],
    summary: renderSummary(rule.summary, {
      event: { id: trigger, time, type: '', category: 'other', specversion: '', source: '', outcome: 'unknown' },
      count: 0,
      window,
      key: {},
    }),
    context: {},
  };
}
