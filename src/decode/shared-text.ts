/** Bounds of the memo: entries, and the longest text shared. */
const MEMO_ENTRIES = 1_000;
const MEMO_MAX_LENGTH = 64;

const memo = new Map<string, string>();

/**
 * One shared copy of a value from a small vocabulary: event types, method
 * names, mechanisms, statuses, operations, roles. JSON.parse makes a new
 * string of every value longer than a few characters, so without this each
 * event held for lateness would carry its own copy of each, and the garbage
 * collector would copy them all. Bounded like the CRN memo: only for fields
 * whose values repeat; a field of unbounded values would only churn it.
 */
export function sharedText(text: string): string {
  const known = memo.get(text);
  if (known !== undefined) return known;
  if (text.length <= MEMO_MAX_LENGTH) {
    if (memo.size >= MEMO_ENTRIES) memo.clear();
    memo.set(text, text);
  }
  return text;
}
