/** First retry after about 1 s, doubling, at most 5 minutes between attempts. */
const BASE_MS = 1_000;
const MAX_MS = 300_000;

/**
 * Wait before retry number `attempt + 1` (attempt 0 is the first failure), in
 * ms: exponential with jitter between half and all of the step, so replicas
 * that failed together do not retry together; never sooner than `retryAfterMs`.
 */
export function backoffMs(attempt: number, retryAfterMs = 0, random: () => number = Math.random): number {
  const exponential = Math.min(MAX_MS, BASE_MS * 2 ** Math.min(attempt, 20));
  return Math.max(retryAfterMs, exponential / 2 + (random() * exponential) / 2);
}
