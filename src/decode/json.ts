/** Any run of 16+ digits might be an integer beyond 2^53; only then scan the text. */
const LONG_DIGIT_RUN = /\d{16}/;

/**
 * Parses JSON text without losing integers beyond 2^53: such numbers come back
 * as their exact decimal string. Most records carry none: the native parser's
 * result is kept unless it holds a number beyond 2^53 (checking the parsed
 * values is cheaper than scanning the text, whose long digit runs are mostly
 * inside strings: quoted connection ids). The others get those numbers quoted,
 * then the native parser too (several times faster than a JavaScript JSON
 * parser). Throws on invalid JSON.
 */
export function parseJson(text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Invalid: the full path throws, with the error (and the position it names) it always gave.
    return parseQuoted(text);
  }
  return hasUnsafeNumber(parsed) ? parseQuoted(text) : parsed;
}

function parseQuoted(text: string): unknown {
  return JSON.parse(LONG_DIGIT_RUN.test(text) ? quoteUnsafeIntegers(text) : text);
}

/**
 * Whether a parsed value holds a number beyond ±(2^53 − 1), which is what an
 * integer literal that lost digits parses to. A loop, not recursion: nesting
 * can be as deep as the size limit allows.
 */
function hasUnsafeNumber(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'number') {
      if (Math.abs(value) > Number.MAX_SAFE_INTEGER) return true;
    } else if (Array.isArray(value)) {
      for (const item of value) stack.push(item);
    } else if (typeof value === 'object' && value !== null) {
      for (const key in value) stack.push((value as Record<string, unknown>)[key]);
    }
  }
  return false;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isNumberChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45;
}

/**
 * Wraps every integer literal outside strings that a double cannot hold exactly
 * in quotes. The scan follows JSON string syntax (escapes included), so digits
 * inside strings are never touched; malformed input stays malformed.
 */
export function quoteUnsafeIntegers(text: string): string {
  let out = '';
  let copied = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
    } else if (isNumberChar(c)) {
      let end = i + 1;
      while (end < text.length && isNumberChar(text.charCodeAt(end))) end++;
      const literal = text.slice(i, end);
      if (/^-?\d{16,}$/.test(literal) && !Number.isSafeInteger(Number(literal))) {
        out += `${text.slice(copied, i)}"${literal}"`;
        copied = end;
      }
      i = end - 1;
    }
  }
  return copied === 0 ? text : out + text.slice(copied);
}
