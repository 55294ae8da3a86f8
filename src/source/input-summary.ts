import type { DecodeReason } from '../decode/decode.js';

/** Counts of one pass over an input, printed on stderr by `inspect` and `replay`. */
export class InputSummary {
  read = 0;
  decoded = 0;
  invalid = 0;
  readonly invalidByReason = new Map<DecodeReason, number>();

  countInvalid(reason: DecodeReason): void {
    this.invalid++;
    this.invalidByReason.set(reason, (this.invalidByReason.get(reason) ?? 0) + 1);
  }

  toString(): string {
    const reasons = [...this.invalidByReason].map(([reason, n]) => `${reason}: ${n}`);
    const detail = reasons.length === 0 ? '' : ` (${reasons.join(', ')})`;
    return `read ${this.read}, decoded ${this.decoded}, invalid ${this.invalid}${detail}`;
  }
}
