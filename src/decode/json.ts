import { isSafeNumber, parse as parseLossless } from 'lossless-json';

/** Any run of 16+ digits might be an integer beyond 2^53; only then pay for the lossless parser. */
const LONG_DIGIT_RUN = /\d{16}/;

function keepUnsafeAsString(text: string): number | string {
  return isSafeNumber(text) ? Number(text) : text;
}

/**
 * Parses JSON text without losing integers beyond 2^53: such numbers come back
 * as their exact decimal string. Most audit events carry none, so they take the
 * native parser; the rest take lossless-json. Throws on invalid JSON.
 */
export function parseJson(text: string): unknown {
  if (!LONG_DIGIT_RUN.test(text)) return JSON.parse(text);
  return parseLossless(text, null, keepUnsafeAsString);
}
