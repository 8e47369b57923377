// The wording shared by every check, so that all config errors read alike:
// "expected <what>, got <value>", values in JSON quotes, keys in backticks.
import { closestMatch } from './hint.js';

const LONGEST_QUOTED_VALUE = 60;

/** How a user's value appears in a message: `"fast"`, `5`, `null`, `an array`. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > LONGEST_QUOTED_VALUE ? `${value.slice(0, LONGEST_QUOTED_VALUE - 1)}…` : value;
    return JSON.stringify(shown);
  }
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** "expected <what>, got <value>", or "is required" when the key is missing altogether. */
export function expected(what: string, input: unknown): string {
  return input === undefined ? 'is required' : `expected ${what}, got ${describeValue(input)}`;
}

export function quoteKey(key: string): string {
  return `\`${key}\``;
}

/**
 * "; did you mean `x`?" (keys) or '; did you mean "x"?' (values) when a candidate is close to
 * `word`; `spell` turns the candidate found into what to suggest.
 */
export function didYouMean(word: string, candidates: Iterable<string>, kind: 'key' | 'value', spell: (match: string) => string = (match) => match): string {
  const match = closestMatch(word, candidates);
  if (match === undefined) return '';
  const suggestion = spell(match);
  return `; did you mean ${kind === 'key' ? quoteKey(suggestion) : JSON.stringify(suggestion)}?`;
}
