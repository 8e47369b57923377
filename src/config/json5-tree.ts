// The offsets of keys and values in a JSON5 text, for error positions: the json5 package returns
// plain values without any. It only ever reads text that json5 has already accepted, so it can stay
// small: it follows the structure (objects, arrays, quoted and unquoted keys, comments, trailing
// commas) and skips over scalar values without validating them again.
import type { SourceMember, SourceNode } from './locate.js';

// ECMAScript IdentifierName, which JSON5 allows as an unquoted key (with `\uXXXX` escapes).
const IDENTIFIER = /(?:[$_\p{ID_Start}]|\\u[0-9a-fA-F]{4})(?:[$_\u200C\u200D\p{ID_Continue}]|\\u[0-9a-fA-F]{4})*/uy;
const LINE_TERMINATOR = /[\n\r\u2028\u2029]/;
// Whitespace (JavaScript's `\s` is JSON5's set), separators, and the start of a comment end a bare value.
const BAREWORD_END = /[\s,:\]}/]/;
const SINGLE_CHARACTER_ESCAPES: Record<string, string> = {
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '0': '\0',
};

/** Throws a SyntaxError on text that is not JSON5, which json5 would have rejected first. */
export function json5Tree(text: string): SourceNode {
  return new Json5Reader(text).value();
}

class Json5Reader {
  private offset = 0;

  constructor(private readonly text: string) {}

  value(): SourceNode {
    this.skipTrivia();
    const start = this.offset;
    switch (this.text[start]) {
      case '{':
        return { kind: 'object', start, members: this.members() };
      case '[':
        return { kind: 'array', start, items: this.items() };
      case '"':
      case "'":
        this.string();
        return { kind: 'scalar', start };
      default:
        this.bareword();
        return { kind: 'scalar', start };
    }
  }

  private members(): SourceMember[] {
    const members: SourceMember[] = [];
    this.offset++; // past `{`
    for (;;) {
      this.skipTrivia();
      if (this.text[this.offset] === '}') {
        this.offset++;
        return members;
      }
      const keyStart = this.offset;
      const quoted = this.text[keyStart] === '"' || this.text[keyStart] === "'";
      const key = quoted ? this.string() : this.identifier();
      this.skipTrivia();
      this.expect(':');
      members.push({ key, keyStart, value: this.value() });
      this.skipSeparator();
    }
  }

  private items(): SourceNode[] {
    const items: SourceNode[] = [];
    this.offset++; // past `[`
    for (;;) {
      this.skipTrivia();
      if (this.text[this.offset] === ']') {
        this.offset++;
        return items;
      }
      items.push(this.value());
      this.skipSeparator();
    }
  }

  /** Reads a quoted string and returns its value, so that quoted keys compare equal to the parsed ones. */
  private string(): string {
    const quote = this.text[this.offset++];
    let decoded = '';
    for (;;) {
      const char = this.text[this.offset++];
      if (char === undefined) throw this.error('unterminated string');
      if (char === quote) return decoded;
      decoded += char === '\\' ? this.escape() : char;
    }
  }

  private escape(): string {
    const char = this.text[this.offset++] ?? '';
    if (char === 'x' || char === 'u') {
      const digits = this.text.slice(this.offset, this.offset + (char === 'x' ? 2 : 4));
      this.offset += digits.length;
      return String.fromCharCode(parseInt(digits, 16));
    }
    if (char === '\r' && this.text[this.offset] === '\n') this.offset++;
    if (LINE_TERMINATOR.test(char)) return ''; // a line continuation
    return SINGLE_CHARACTER_ESCAPES[char] ?? char;
  }

  private identifier(): string {
    IDENTIFIER.lastIndex = this.offset;
    const match = IDENTIFIER.exec(this.text);
    if (match === null) throw this.error('expected a key');
    this.offset += match[0].length;
    return match[0].replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }

  /** Numbers, `true`, `false`, `null`, `Infinity`, `NaN`: everything up to the next delimiter. */
  private bareword(): void {
    const start = this.offset;
    while (this.offset < this.text.length && !BAREWORD_END.test(this.text[this.offset] as string)) this.offset++;
    if (this.offset === start) throw this.error('expected a value');
  }

  private skipSeparator(): void {
    this.skipTrivia();
    if (this.text[this.offset] === ',') this.offset++;
  }

  private skipTrivia(): void {
    for (;;) {
      const char = this.text[this.offset];
      if (char !== undefined && /\s/.test(char)) {
        this.offset++;
      } else if (this.text.startsWith('//', this.offset)) {
        while (this.offset < this.text.length && !LINE_TERMINATOR.test(this.text[this.offset] as string)) this.offset++;
      } else if (this.text.startsWith('/*', this.offset)) {
        const end = this.text.indexOf('*/', this.offset + 2);
        this.offset = end === -1 ? this.text.length : end + 2;
      } else {
        return;
      }
    }
  }

  private expect(char: string): void {
    if (this.text[this.offset] !== char) throw this.error(`expected '${char}'`);
    this.offset++;
  }

  private error(message: string): SyntaxError {
    return new SyntaxError(`${message} at offset ${this.offset}`);
  }
}
