import type { RouteSpec } from '../config/config-file.js';
import type { Alert } from './alert.js';

/** Decides which sinks an alert goes to: the union of every route whose filters all hold. */
export class Router {
  constructor(private readonly routes: readonly RouteSpec[]) {}

  sinksFor(alert: Alert): string[] {
    const sinks = new Set<string>();
    for (const route of this.routes) {
      if (route.severity && !route.severity.includes(alert.severity)) continue;
      if (route.rules && !route.rules.includes(alert.rule)) continue;
      if (route.tags && !route.tags.some((t) => alert.tags.includes(t))) continue;
      for (const sink of route.sinks) sinks.add(sink);
    }
    return [...sinks];
  }
}
