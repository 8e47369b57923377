// ContainerPilot renders its config file as a Go text/template over the environment before parsing
// it as JSON5 (config/template/template.go: data is the environment as a map[string]string,
// Option("missingkey=zero"), plus the functions default, env, split, join, replaceAll,
// regexReplaceAll and loop). pilotfish must run those files unchanged, so this module reimplements
// the part of text/template they use: lexer → parser (AST, with Go's parse-time checks) → evaluator
// (Go's exec semantics; error messages follow Go's wording).
//
// Not implemented, because no ContainerPilot config can make use of them: `call` (the data holds
// no functions), `slice`, complex and hexadecimal floating-point literals, printf argument indexes
// and `*` widths, %b/%x of floats. {{define}}, {{template}} and {{block}} are: a config is one
// parsed text, and the templates it defines are its associated templates.
import { Buffer } from 'node:buffer';
import { createRequire } from 'node:module';
import type { RE2JS } from 're2js';
import { goTrimSpace } from './go-space.js';

/**
 * What one rendering may cost. A reload renders inside PID 1, so a template must not be able to
 * hang it (`range loop 0 100000000`), exhaust its memory (`printf "%s%s" $x $x` doubling in a
 * loop) or its stack (deeply nested parentheses). Real configs stay far below: the bundled
 * examples and test fixtures take at most 35 steps.
 */
export const TEMPLATE_LIMITS = {
  /** Actions, commands, loop items and range iterations executed (about 1 µs each). */
  steps: 250_000,
  /** Characters in the output and in any one value. */
  length: 4 * 1024 * 1024,
  /**
   * Characters that functions take and return, plus characters scanned times regexp size for
   * regexReplaceAll (RE2's cost is linear in both): what bounds the time a step can take.
   */
  work: 16 * 1024 * 1024,
  /** Nesting of control structures and parentheses in one template, and of templates calling templates. */
  depth: 100,
  /**
   * Control structures and template calls running one inside another, all templates together:
   * a template may call itself from deep inside its structures, and this bounds the whole before
   * the JavaScript stack would.
   */
  execDepth: 1000,
} as const;

/**
 * A template that cannot be parsed or executed. `message` is the bare reason (callers place it);
 * `line`/`column` are 1-based in the template text: the offending token for syntax and evaluation
 * errors (as Go's exec errors point at a node), the `{{` for problems with a whole action (unclosed
 * action or comment, a stray or missing {{end}}).
 */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';

  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
    /** Go's column: bytes before the position on its line, counted from 0. */
    readonly byteColumn: number,
    /** For errors while executing, the node being executed as Go prints it (`index (split .LIST ",") 1`). */
    readonly context?: string,
    /** For errors while executing a template the config defined (`{{define "name"}}`), its name; else the config's own. */
    readonly templateName?: string,
  ) {
    super(message);
  }
}

/**
 * Renders `text` as ContainerPilot does. `env` is already split into names and values, so values
 * containing `=` are kept whole (ContainerPilot #573). A missing variable renders as "".
 * `readValues`, when given, collects every environment value the template read: the values a
 * log line must mask, since templated secrets end up in command lines. `actionOutput`, when
 * given, collects where in the result each action's output went ([start, end) offsets, in order):
 * what a template value wrote there, as opposed to the text the config's author wrote.
 */
export function renderTemplate(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  readValues?: Set<string>,
  actionOutput?: OutputRange[],
): string {
  const data: GoMap = new ReadRecordingMap(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
    readValues ?? new Set(),
  );
  const budget = new Budget();
  const funcs = functionTable(data, budget);
  try {
    const { list, defined } = new Parser(text, new Lexer(text).run(), funcs).parse();
    return new Executor(text, funcs, defined, budget, actionOutput).execute(list, data);
  } catch (error) {
    // The depth limits keep well inside the stack; should one not, the config is still at fault.
    if (error instanceof RangeError) throw new TemplateError(`the template cannot be rendered: ${error.message}`, 1, 1, 0);
    throw error;
  }
}

/** Offsets in a rendered text: `start` included, `end` excluded. */
export interface OutputRange {
  start: number;
  end: number;
}

function errorAt(src: string, offset: number, reason: string, context?: string, templateName?: string): TemplateError {
  const before = src.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  const line = before.split('\n').length;
  const column = before.slice(lineStart);
  return new TemplateError(reason, line, Array.from(column).length + 1, Buffer.byteLength(column), context, templateName);
}

/** An exceeded TEMPLATE_LIMITS budget, raised by the executor and by functions alike. */
class BudgetError extends Error {}

/** Counts one rendering's steps and checks the size of what it builds. */
class Budget {
  private steps = 0;
  private work = 0;

  spend(steps: number): void {
    this.steps += steps;
    if (this.steps > TEMPLATE_LIMITS.steps) {
      throw new BudgetError(`the template runs more than ${TEMPLATE_LIMITS.steps} steps (actions, commands and loop iterations), the limit`);
    }
  }

  process(units: number): void {
    this.work += units;
    if (this.work > TEMPLATE_LIMITS.work) {
      throw new BudgetError(`the template's functions process more than ${TEMPLATE_LIMITS.work} characters, the limit`);
    }
  }

  /** Called before building a string of `length` characters. */
  checkLength(length: number): void {
    if (length > TEMPLATE_LIMITS.length) {
      throw new BudgetError(`the template builds a text of more than ${TEMPLATE_LIMITS.length} characters (4 MiB), the limit`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Values. Go ints are bigint and float64s are number, so 3 and 3.0 stay distinct as they are in Go
// (`eq 3 3.0` is an error, `printf "%d" 3.0` prints %!d(float64=3)).

/** A Go slice. The element type is kept because Go checks it (`join` wants []string, not []int). */
class GoSlice {
  constructor(
    readonly elem: 'int' | 'string',
    readonly items: readonly (bigint | string)[],
  ) {}
}

/** The template data: the environment, a map[string]string. */
type GoMap = ReadonlyMap<string, string>;

/** The environment map, noting each value read: fields, `env`, `index`, `range` and printing all go through `get`. */
class ReadRecordingMap extends Map<string, string> {
  constructor(
    entries: [string, string][],
    private readonly read: Set<string>,
  ) {
    super(entries);
  }

  override get(name: string): string | undefined {
    const value = super.get(name);
    if (value !== undefined) this.read.add(value);
    return value;
  }
}
type Value = string | bigint | number | boolean | null | GoSlice | GoMap;

const EMPTY_STRINGS = new GoSlice('string', []);
const MIN_INT = -(2n ** 63n);
const MAX_INT = 2n ** 63n - 1n;

function isMap(v: Value): v is GoMap {
  return v instanceof Map;
}

function typeName(v: Value): string {
  if (v === null) return '<nil>';
  if (v instanceof GoSlice) return `[]${v.elem}`;
  if (isMap(v)) return 'map[string]string';
  return { string: 'string', bigint: 'int', number: 'float64', boolean: 'bool' }[typeof v as 'string' | 'bigint' | 'number' | 'boolean'];
}

/** Go's truth: false, 0, "", nil and empty slices and maps are false. */
function truth(v: Value): boolean {
  if (v instanceof GoSlice) return v.items.length > 0;
  if (isMap(v)) return v.size > 0;
  return v !== null && v !== false && v !== 0n && v !== 0 && v !== '';
}

/** Go compares strings bytewise (UTF-8); JavaScript compares UTF-16 code units. */
function compareGoStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Go sorts map keys when it prints or ranges over a map. */
function sortedKeys(m: GoMap): string[] {
  return [...m.keys()].sort(compareGoStrings);
}

// ---------------------------------------------------------------------------------------------
// Lexer. Produces the whole token stream up front; `spaced` records whether whitespace preceded a
// token, which is how Go tells the chain `.A.B` from the two arguments `.A .B`.

type TokenKind =
  | 'text' | 'open' | 'close' | 'identifier' | 'keyword' | 'field' | 'dot' | 'variable'
  | 'string' | 'rawString' | 'char' | 'number' | 'bool' | 'nil'
  | 'pipe' | 'leftParen' | 'rightParen' | 'declare' | 'assign' | 'comma' | 'eof';

interface Token {
  readonly kind: TokenKind;
  /** Source text, except for `text` tokens, which hold the text after trim markers are applied. */
  readonly text: string;
  readonly pos: number;
  readonly end: number;
  readonly spaced: boolean;
}

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'break', 'continue', 'define', 'template', 'block']);
const ALPHANUMERIC = /^[\p{L}\p{Nd}_]$/u;

/** Go's trim markers and actions treat exactly these as space. */
function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isAlphanumeric(c: string | undefined): boolean {
  return c !== undefined && ALPHANUMERIC.test(c);
}

function oneOf(c: string | undefined, set: string): boolean {
  return c !== undefined && set.includes(c);
}

/** Go's %#U, e.g. U+003D '='. */
function describeChar(c: string): string {
  return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} '${c}'`;
}

class Lexer {
  private readonly tokens: Token[] = [];

  constructor(private readonly src: string) {}

  run(): Token[] {
    const src = this.src;
    let pos = 0;
    for (;;) {
      const open = src.indexOf('{{', pos);
      // `{{- ` trims the whitespace before it; the space after the dash is required so that
      // `{{-3}}` stays the number -3.
      const trimBefore = open >= 0 && src[open + 2] === '-' && isSpace(src[open + 3]);
      let text = src.slice(pos, open < 0 ? src.length : open);
      if (trimBefore) text = text.replace(/[ \t\r\n]+$/, '');
      if (text !== '') this.tokens.push({ kind: 'text', text, pos, end: pos + text.length, spaced: false });
      if (open < 0) break;
      const inside = open + (trimBefore ? 4 : 2);
      pos = src.startsWith('/*', inside) ? this.comment(open, inside) : this.action(open, inside);
    }
    this.tokens.push({ kind: 'eof', text: '', pos: src.length, end: src.length, spaced: true });
    return this.tokens;
  }

  /** Where text resumes after a right delimiter at `p` (past what ` -}}` trims), or null if there is none. */
  private afterRightDelim(p: number): number | null {
    if (this.src.startsWith('}}', p)) return p + 2;
    if (!isSpace(this.src[p]) || !this.src.startsWith('-}}', p + 1)) return null;
    let after = p + 4;
    while (isSpace(this.src[after])) after++;
    return after;
  }

  /** Go requires a comment to fill its action: only the right delimiter may follow the closing star-slash. */
  private comment(open: number, start: number): number {
    const end = this.src.indexOf('*/', start + 2);
    if (end < 0) throw errorAt(this.src, open, 'unclosed comment');
    const after = this.afterRightDelim(end + 2);
    if (after === null) throw errorAt(this.src, open, 'comment ends before closing delimiter');
    return after;
  }

  private action(open: number, start: number): number {
    this.tokens.push({ kind: 'open', text: '{{', pos: open, end: start, spaced: true });
    let p = start;
    const parens: number[] = []; // positions of the open ones, to point at one left unclosed
    let spaced = true;
    for (;;) {
      const after = this.afterRightDelim(p);
      if (after !== null) {
        if (parens.length > 0) throw errorAt(this.src, parens[parens.length - 1]!, 'unclosed left paren');
        this.tokens.push({ kind: 'close', text: '}}', pos: p, end: after, spaced });
        return after;
      }
      const c = this.src[p];
      if (c === undefined) throw errorAt(this.src, open, 'unclosed action');
      if (isSpace(c)) {
        p++;
        spaced = true;
        continue;
      }
      const [kind, end] = this.scanToken(p, c);
      if (kind === 'leftParen') parens.push(p);
      if (kind === 'rightParen' && parens.pop() === undefined) throw errorAt(this.src, p, 'unexpected right paren');
      this.tokens.push({ kind, text: this.src.slice(p, end), pos: p, end, spaced });
      spaced = false;
      p = end;
    }
  }

  private scanToken(p: number, c: string): [TokenKind, number] {
    switch (c) {
      case '|': return ['pipe', p + 1];
      case '(': return ['leftParen', p + 1];
      case ')': return ['rightParen', p + 1];
      case ',': return ['comma', p + 1];
      case '=': return ['assign', p + 1];
      case ':':
        if (this.src[p + 1] !== '=') throw errorAt(this.src, p, 'expected :=');
        return ['declare', p + 2];
      case '"': return ['string', this.scanQuoted(p, '"', 'unterminated quoted string')];
      case "'": return ['char', this.scanQuoted(p, "'", 'unterminated character constant')];
      case '`': {
        const end = this.src.indexOf('`', p + 1);
        if (end < 0) throw errorAt(this.src, p, 'unterminated raw quoted string');
        return ['rawString', end + 1];
      }
      case '$': return ['variable', this.scanName(p + 1)];
      case '.': {
        if (isDigit(this.src[p + 1])) return ['number', this.scanNumber(p)];
        const end = this.scanName(p + 1);
        return [end === p + 1 ? 'dot' : 'field', end];
      }
    }
    if (c === '+' || c === '-' || isDigit(c)) return ['number', this.scanNumber(p)];
    if (isAlphanumeric(c)) {
      const end = this.scanName(p);
      const word = this.src.slice(p, end);
      const kind = KEYWORDS.has(word) ? 'keyword' : word === 'true' || word === 'false' ? 'bool' : word === 'nil' ? 'nil' : 'identifier';
      return [kind, end];
    }
    throw errorAt(this.src, p, `unrecognized character in action: ${describeChar(String.fromCodePoint(this.src.codePointAt(p)!))}`);
  }

  /** Escapes are only skipped here; the parser decodes them. */
  private scanQuoted(start: number, quote: string, unterminated: string): number {
    for (let p = start + 1; ; p++) {
      let c = this.src[p];
      if (c === '\\') c = this.src[++p];
      else if (c === quote) return p + 1;
      if (c === undefined || c === '\n') throw errorAt(this.src, start, unterminated);
    }
  }

  /** Identifiers, fields and variables must end at a terminator: `.x-y` is an error, not `.x` minus `y`. */
  private scanName(start: number): number {
    let p = start;
    while (isAlphanumeric(this.src[p])) p++;
    const c = this.src[p];
    if (c !== undefined && !isSpace(c) && !oneOf(c, '.,|:()') && !this.src.startsWith('}}', p)) {
      throw errorAt(this.src, p, `bad character ${describeChar(c)}`);
    }
    return p;
  }

  /** Go's scanNumber: accepts anything number-shaped; the parser validates the syntax. */
  private scanNumber(start: number): number {
    const src = this.src;
    let p = start;
    const run = (set: string): void => {
      while (oneOf(src[p], set)) p++;
    };
    if (oneOf(src[p], '+-')) p++;
    let digits = '0123456789_';
    let exponent = 'eE';
    if (src[p] === '0' && oneOf(src[p + 1], 'xXoObB')) {
      const base = src[p + 1]!.toLowerCase();
      digits = base === 'x' ? '0123456789abcdefABCDEF_' : base === 'o' ? '01234567_' : '01_';
      exponent = base === 'x' ? 'pP' : '';
      p += 2;
    }
    run(digits);
    if (src[p] === '.') {
      p++;
      run(digits);
    }
    if (oneOf(src[p], exponent)) {
      p++;
      if (oneOf(src[p], '+-')) p++;
      run('0123456789_');
    }
    if (src[p] === 'i') p++;
    if (isAlphanumeric(src[p])) throw errorAt(src, start, `bad number syntax: ${goQuote(src.slice(start, p + 1), '"', false)}`);
    return p;
  }
}

// ---------------------------------------------------------------------------------------------
// AST.

type Literal = string | bigint | number | boolean;

type Operand = { readonly pos: number; readonly text: string } & (
  | { readonly kind: 'field'; readonly names: readonly string[] } // .A.B, on dot
  | { readonly kind: 'variable'; readonly name: string; readonly names: readonly string[] } // $x.A.B
  | { readonly kind: 'chain'; readonly base: Operand; readonly names: readonly string[] } // (pipeline).A
  | { readonly kind: 'function'; readonly name: string }
  | { readonly kind: 'pipeline'; readonly pipe: Pipeline }
  | { readonly kind: 'dot' }
  | { readonly kind: 'nil' }
  | { readonly kind: 'literal'; readonly value: Literal }
);

/** args[0] is the function or value; the rest are its arguments. */
interface Command {
  readonly args: readonly [Operand, ...Operand[]];
}

interface Pipeline {
  readonly pos: number;
  /** Variables declared (`:=`) or assigned (`=`) with the pipeline's value. */
  readonly decl: readonly string[];
  readonly isAssign: boolean;
  readonly commands: readonly [Command, ...Command[]];
}

type ControlKeyword = 'if' | 'with' | 'range';

interface ControlNode {
  readonly type: ControlKeyword;
  readonly pos: number;
  readonly pipe: Pipeline;
  readonly list: readonly Node[];
  readonly elseList: readonly Node[] | null;
}

type Node =
  | { readonly type: 'text'; readonly pos: number; readonly text: string }
  | { readonly type: 'action'; readonly pipe: Pipeline }
  | ControlNode
  | TemplateNode
  | { readonly type: 'break' | 'continue' };

/** `{{template "name" pipeline}}` (and the call a `{{block}}` makes): runs a defined template with the pipeline's value as dot. */
interface TemplateNode {
  readonly type: 'template';
  readonly pos: number;
  readonly name: string;
  readonly pipe: Pipeline | null;
}

/** Go's IsEmptyTree: nothing but spaces, so that defining it again is no conflict. */
function isEmptyTemplate(list: readonly Node[]): boolean {
  return list.every((node) => node.type === 'text' && goTrimSpace(node.text) === '');
}

/** What a parse yields: the config's own template, and the ones it defines by name. */
interface ParsedTemplate {
  list: Node[];
  defined: ReadonlyMap<string, readonly Node[]>;
}

/** An action that ends a list of nodes. `chained` is the `if`/`with` of `{{else if …}}`/`{{else with …}}`. */
type Delimiter = { readonly type: 'end' } | { readonly type: 'else'; readonly pos: number; readonly chained: 'if' | 'with' | null };
type Stop = Delimiter | { readonly type: 'eof' };

// Nodes as Go's String() prints them, for the context of execution errors (`at <index .X 1>`).

function operandString(operand: Operand): string {
  if (operand.kind === 'pipeline') return `(${pipeString(operand.pipe)})`;
  if (operand.kind === 'chain') return `${operandString(operand.base)}.${operand.names.join('.')}`;
  return operand.text;
}

function commandString(args: readonly Operand[]): string {
  return args.map(operandString).join(' ');
}

/**
 * The node Go evaluated last in a pipeline, where it reports an assignment that finds no
 * variable: the last operand, inside parentheses too.
 */
function lastEvaluated(pipe: Pipeline): Operand {
  const command = pipe.commands[pipe.commands.length - 1]!;
  const operand = command.args[command.args.length - 1]!;
  return operand.kind === 'pipeline' ? lastEvaluated(operand.pipe) : operand;
}

function templateString(node: TemplateNode): string {
  return `{{template ${goQuote(node.name, '"', false)}${node.pipe ? ` ${pipeString(node.pipe)}` : ''}}}`;
}

function pipeString(pipe: Pipeline): string {
  const decl = pipe.decl.length > 0 ? `${pipe.decl.join(', ')} ${pipe.isAssign ? '=' : ':='} ` : '';
  return decl + pipe.commands.map((command) => commandString(command.args)).join(' | ');
}

// ---------------------------------------------------------------------------------------------
// Parser. Like Go's, it rejects unknown functions and undeclared variables before anything runs.

const OPERAND_START = new Set<TokenKind>(['identifier', 'field', 'dot', 'variable', 'string', 'rawString', 'char', 'number', 'bool', 'nil', 'leftParen']);
const NOT_EXECUTABLE = new Set<Operand['kind']>(['literal', 'dot', 'nil']);

class Parser {
  private index = 0;
  private lastEnd = 0;
  /** Variables in scope; a control structure's declarations go out of scope at its {{end}}. */
  private vars = ['$'];
  /** Templates defined with {{define}} or {{block}}, by name. */
  private readonly defined = new Map<string, readonly Node[]>();
  private rangeDepth = 0;
  /** Open control structures and parentheses: each is a level of recursion here and when executing. */
  private depth = 0;

  constructor(
    private readonly src: string,
    private readonly tokens: readonly Token[],
    private readonly funcs: ReadonlyMap<string, GoFunc>,
  ) {}

  parse(): ParsedTemplate {
    return { list: this.itemList(null).list, defined: this.defined };
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private next(): Token {
    const token = this.tokens[this.index]!;
    if (token.kind !== 'eof') this.index++;
    this.lastEnd = token.end;
    return token;
  }

  private fail(pos: number, reason: string): TemplateError {
    return errorAt(this.src, pos, reason);
  }

  private unexpected(token: Token, context: string): TemplateError {
    // As Go prints items: keywords (`.` and `nil` among them) in angle brackets, anything else
    // quoted, cut after 10 characters.
    const chars = Array.from(token.text);
    const what =
      token.kind === 'eof'
        ? 'EOF'
        : ['keyword', 'dot', 'nil'].includes(token.kind)
          ? `<${token.text}>`
          : chars.length > 10
            ? `${goQuote(chars.slice(0, 10).join(''), '"', false)}...`
            : goQuote(token.text, '"', false);
    return this.fail(token.pos, `unexpected ${what} in ${context}`);
  }

  /** Nodes up to the {{end}} or {{else}} of `opener`, or to the end of the text at top level. */
  private itemList(opener: { keyword: ControlKeyword | 'define' | 'block'; pos: number } | null): { list: Node[]; stop: Stop } {
    const list: Node[] = [];
    for (;;) {
      const token = this.next();
      if (token.kind === 'eof') {
        if (opener) throw this.fail(opener.pos, `unexpected EOF: {{${opener.keyword}}} has no matching {{end}}`);
        return { list, stop: { type: 'eof' } };
      }
      if (token.kind === 'text') {
        list.push({ type: 'text', pos: token.pos, text: token.text });
        continue;
      }
      if (!opener && this.peek().kind === 'keyword' && this.peek().text === 'define') {
        this.next();
        this.definition(token.pos, 'define');
        continue;
      }
      const item = this.action(token);
      if (item.type === 'end' || item.type === 'else') {
        if (!opener) throw this.fail(token.pos, `unexpected {{${item.type}}}`);
        return { list, stop: item };
      }
      list.push(item);
    }
  }

  private action(open: Token): Node | Delimiter {
    const token = this.peek();
    if (token.kind !== 'keyword') return { type: 'action', pipe: this.pipeline('command', 'close') };
    this.next();
    switch (token.text) {
      case 'if':
      case 'with':
      case 'range':
        return this.control(token.text, open.pos);
      case 'end':
        this.expectClose('end');
        return { type: 'end' };
      case 'else': {
        const chained = this.peek();
        if (chained.kind === 'keyword' && (chained.text === 'if' || chained.text === 'with')) {
          this.next();
          return { type: 'else', pos: open.pos, chained: chained.text };
        }
        this.expectClose('else');
        return { type: 'else', pos: open.pos, chained: null };
      }
      case 'break':
      case 'continue': {
        const type = token.text;
        if (this.rangeDepth === 0) throw this.fail(token.pos, `{{${type}}} outside {{range}}`);
        this.expectClose(`{{${type}}}`);
        return { type };
      }
      case 'template': {
        // At the name, where Go places the node.
        const pos = this.peek().pos;
        const name = this.templateName('template clause');
        const pipe = this.peek().kind === 'close' ? (this.next(), null) : this.pipeline('template clause', 'close');
        return { type: 'template', pos, name, pipe };
      }
      case 'block': {
        // `{{block "name" pipeline}}body{{end}}`: defines `name` as body and runs it here.
        const pos = this.peek().pos;
        const { name, pipe } = this.definition(open.pos, 'block');
        return { type: 'template', pos, name, pipe };
      }
      default: // define, which only the top level takes
        throw this.unexpected(token, 'command');
    }
  }

  /** The quoted name after define, template or block. */
  private templateName(context: string): string {
    const token = this.next();
    if (token.kind === 'string') return parseString(token.text, (reason) => { throw this.fail(token.pos, reason); });
    if (token.kind === 'rawString') return token.text.slice(1, -1).replaceAll('\r', '');
    throw this.unexpected(token, context);
  }

  /**
   * The rest of `{{define "name"}}body{{end}}` or `{{block "name" pipeline}}body{{end}}`: the body
   * is a template of its own, with only `$` in scope and no enclosing range. As in Go, a second
   * definition of a name is an error unless one of the two is empty (only spaces).
   */
  private definition(pos: number, keyword: 'define' | 'block'): { name: string; pipe: Pipeline } {
    const name = this.templateName(`${keyword} clause`);
    const pipe = keyword === 'block' ? this.pipeline('block clause', 'close') : (this.expectClose('define clause'), null);
    const [vars, rangeDepth] = [this.vars, this.rangeDepth];
    [this.vars, this.rangeDepth] = [['$'], 0];
    const body = this.nested(pos, () => this.itemList({ keyword, pos }));
    [this.vars, this.rangeDepth] = [vars, rangeDepth];
    if (body.stop.type === 'else') throw this.fail(body.stop.pos, `unexpected {{else}} in ${keyword} clause`);
    const previous = this.defined.get(name);
    if (previous === undefined || isEmptyTemplate(previous)) this.defined.set(name, body.list);
    else if (!isEmptyTemplate(body.list)) throw this.fail(pos, `template: multiple definition of template ${goQuote(name, '"', false)}`);
    return { name, pipe: pipe as Pipeline };
  }

  private expectClose(context: string): void {
    const token = this.next();
    if (token.kind !== 'close') throw this.unexpected(token, context);
  }

  private nested<T>(pos: number, parse: () => T): T {
    if (this.depth >= TEMPLATE_LIMITS.depth) {
      throw this.fail(pos, `max expression depth exceeded: more than ${TEMPLATE_LIMITS.depth} nested control structures and parentheses`);
    }
    this.depth++;
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private control(keyword: ControlKeyword, pos: number): ControlNode {
    return this.nested(pos, () => this.controlBody(keyword, pos));
  }

  private controlBody(keyword: ControlKeyword, pos: number): ControlNode {
    const mark = this.vars.length;
    const pipe = this.pipeline(keyword, 'close');
    if (keyword === 'range') this.rangeDepth++;
    const body = this.itemList({ keyword, pos });
    if (keyword === 'range') this.rangeDepth--;
    let elseList: Node[] | null = null;
    const stop = body.stop;
    if (stop.type === 'else' && stop.chained !== null) {
      if (stop.chained !== keyword) throw this.fail(stop.pos, `{{else ${stop.chained}}} is only allowed inside {{${stop.chained}}}`);
      // `{{else if b}}` means `{{else}}{{if b}}…{{end}}{{end}}`; the nested control consumes the one {{end}}.
      elseList = [this.control(keyword, stop.pos)];
    } else if (stop.type === 'else') {
      const rest = this.itemList({ keyword, pos });
      if (rest.stop.type === 'else') throw this.fail(rest.stop.pos, 'expected {{end}}; found {{else}}');
      elseList = rest.list;
    }
    this.vars.length = mark;
    return { type: keyword, pos, pipe, list: body.list, elseList };
  }

  private pipeline(context: string, end: 'close' | 'rightParen'): Pipeline {
    const pos = this.peek().pos;
    const after = this.tokens[this.index + 1];
    const declares = this.peek().kind === 'variable' && after !== undefined && ['declare', 'assign', 'comma'].includes(after.kind);
    const { decl, isAssign } = declares ? this.declarations(context) : { decl: [], isAssign: false };
    const commands: Command[] = [];
    for (;;) {
      const token = this.peek();
      if (token.kind === end) break;
      if (!OPERAND_START.has(token.kind)) throw this.unexpected(token, context);
      commands.push(this.command());
    }
    this.next();
    const [first, ...rest] = commands;
    if (!first) throw this.fail(pos, `missing value for ${context}`);
    rest.forEach((command, i) => {
      if (NOT_EXECUTABLE.has(command.args[0].kind)) throw this.fail(command.args[0].pos, `non executable command in pipeline stage ${i + 2}`);
    });
    return { pos, decl, isAssign, commands: [first, ...rest] };
  }

  /** `$x :=`, `$x =`, and in range only, `$i, $v :=`. */
  private declarations(context: string): { decl: string[]; isAssign: boolean } {
    const variables: Token[] = [];
    for (;;) {
      variables.push(this.next());
      const op = this.next();
      if (op.kind === 'comma') {
        if (context !== 'range' || variables.length > 1) throw this.fail(op.pos, `too many declarations in ${context}`);
        if (this.peek().kind !== 'variable') throw this.fail(this.peek().pos, 'range can only initialize variables');
        continue;
      }
      if (op.kind !== 'declare' && op.kind !== 'assign') throw this.unexpected(op, context);
      const isAssign = op.kind === 'assign';
      // In scope before the pipeline is parsed, as in Go, whether declared or assigned: an
      // assignment to a variable never declared is an error only if it runs (Go's parser takes
      // `{{ if false }}{{ $v = 1 }}{{ $v }}{{ end }}`).
      for (const variable of variables) this.vars.push(variable.text);
      return { decl: variables.map((variable) => variable.text), isAssign };
    }
  }

  /** Called only at an operand start. */
  private command(): Command {
    const args: [Operand, ...Operand[]] = [this.operand()!];
    for (;;) {
      const token = this.peek();
      if (token.kind === 'pipe') this.next();
      if (token.kind === 'pipe' || token.kind === 'close' || token.kind === 'rightParen') return { args };
      // Operands are separated by spaces: `"a""b"` and `printf "%s",.X` are errors.
      const operand = token.spaced ? this.operand() : null;
      if (!operand) throw this.unexpected(token, 'operand');
      args.push(operand);
    }
  }

  private operand(): Operand | null {
    const start = this.peek().pos;
    const term = this.term();
    if (!term) return null;
    const names: string[] = [];
    while (this.peek().kind === 'field' && !this.peek().spaced) names.push(this.next().text.slice(1));
    if (names.length === 0) return term;
    const text = this.src.slice(start, this.lastEnd);
    switch (term.kind) {
      case 'field':
        return { ...term, text, names: [...term.names, ...names] };
      case 'variable':
        return { ...term, text, names };
      case 'function':
      case 'pipeline':
        return { kind: 'chain', pos: start, text, base: term, names };
      default:
        throw this.fail(start, `unexpected . after term ${goQuote(term.text, '"', false)}`);
    }
  }

  private term(): Operand | null {
    const token = this.peek();
    const at = { pos: token.pos, text: token.text };
    const literal = (parse: (fail: (reason: string) => never) => Literal): Operand => {
      this.next();
      return { kind: 'literal', ...at, value: parse((reason) => { throw this.fail(token.pos, reason); }) };
    };
    switch (token.kind) {
      case 'identifier':
        this.next();
        if (!this.funcs.has(token.text)) throw this.fail(token.pos, `function "${token.text}" not defined`);
        return { kind: 'function', ...at, name: token.text };
      case 'variable':
        this.next();
        if (!this.vars.includes(token.text)) throw this.fail(token.pos, `undefined variable "${token.text}"`);
        return { kind: 'variable', ...at, name: token.text, names: [] };
      case 'field':
        this.next();
        return { kind: 'field', ...at, names: [token.text.slice(1)] };
      case 'dot':
      case 'nil':
        this.next();
        return { kind: token.kind, ...at };
      case 'leftParen': {
        this.next();
        const pipe = this.nested(token.pos, () => this.pipeline('parenthesized pipeline', 'rightParen'));
        return { kind: 'pipeline', pos: token.pos, text: this.src.slice(token.pos, this.lastEnd), pipe };
      }
      case 'bool':
        return literal(() => token.text === 'true');
      case 'number':
        return literal((fail) => parseNumber(token.text, fail));
      case 'char':
        return literal((fail) => parseChar(token.text, fail));
      case 'string':
        return literal((fail) => parseString(token.text, fail));
      case 'rawString':
        // strconv.Unquote drops carriage returns from raw strings.
        return literal(() => token.text.slice(1, -1).replaceAll('\r', ''));
      default:
        return null;
    }
  }
}

// Literal syntax (strconv.ParseInt/ParseFloat with base 0, strconv.Unquote).

const INT_SYNTAX = /^(0[xX](_?[0-9a-fA-F])+|0[oO](_?[0-7])+|0[bB](_?[01])+|0(_?[0-7])*|[1-9](_?\d)*)$/;
const FLOAT_SYNTAX = /^(\d(_?\d)*(\.(\d(_?\d)*)?)?|\.\d(_?\d)*)([eE][+-]?\d(_?\d)*)?$/;

/** Go makes a constant a float64 only if it is spelled like one (`1.0`, `1e3`); otherwise an int. */
function parseNumber(text: string, fail: (reason: string) => never): bigint | number {
  const negative = text.startsWith('-');
  const body = oneOf(text[0], '+-') ? text.slice(1) : text;
  const hex = /^0[xX]/.test(body);
  if (body.endsWith('i')) fail(`complex constant ${text} is not supported`);
  if (hex ? !/[.pP]/.test(body) : !/[.eE]/.test(body)) {
    if (!INT_SYNTAX.test(body)) fail(`illegal number syntax: ${goQuote(text, '"', false)}`);
    const digits = body.replaceAll('_', '');
    // A leading 0 means octal in Go; BigInt would read it as decimal.
    const value = BigInt(/^0[0-7]+$/.test(digits) ? `0o${digits.slice(1)}` : digits);
    const signed = negative ? -value : value;
    if (signed < MIN_INT || signed > MAX_INT) fail(`${text} overflows int`);
    return signed;
  }
  if (hex) fail(`hexadecimal floating-point constant ${text} is not supported`);
  const value = Number(body.replaceAll('_', ''));
  if (!FLOAT_SYNTAX.test(body) || !Number.isFinite(value)) fail(`illegal number syntax: ${goQuote(text, '"', false)}`);
  return negative ? -value : value;
}

/** One decoded unit of a quoted literal: `\x` and octal escapes are raw bytes, everything else a rune. */
interface Unit {
  readonly value: number;
  readonly isByte: boolean;
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };

function unescape(literal: string, fail: (reason: string) => never): Unit[] {
  const quote = literal[0]!;
  const body = literal.slice(1, -1);
  const units: Unit[] = [];
  for (let i = 0; i < body.length; ) {
    const c = String.fromCodePoint(body.codePointAt(i)!);
    if (c !== '\\') {
      units.push({ value: c.codePointAt(0)!, isByte: false });
      i += c.length;
      continue;
    }
    const e = body[i + 1]!;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined || e === quote) {
      units.push({ value: simple ?? quote.charCodeAt(0), isByte: false });
      i += 2;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const size = { x: 2, u: 4, U: 8 }[e];
      const digits = body.slice(i + 2, i + 2 + size);
      const value = parseInt(digits, 16);
      const ok = digits.length === size && /^[0-9a-fA-F]+$/.test(digits);
      if (!ok || (e !== 'x' && (value > 0x10ffff || (value >= 0xd800 && value < 0xe000)))) fail(`invalid escape \\${e}${digits} in ${literal}`);
      units.push({ value, isByte: e === 'x' });
      i += 2 + digits.length;
    } else if (/^[0-7]{3}$/.test(body.slice(i + 1, i + 4)) && parseInt(body.slice(i + 1, i + 4), 8) < 256) {
      units.push({ value: parseInt(body.slice(i + 1, i + 4), 8), isByte: true });
      i += 4;
    } else {
      fail(`invalid escape \\${e} in ${literal}`);
    }
  }
  return units;
}

function parseString(literal: string, fail: (reason: string) => never): string {
  const bytes = unescape(literal, fail).flatMap((unit) => (unit.isByte ? [unit.value] : [...Buffer.from(String.fromCodePoint(unit.value))]));
  return new TextDecoder().decode(Uint8Array.from(bytes));
}

/** A character constant is an int, as in Go: `'a'` is 97. */
function parseChar(literal: string, fail: (reason: string) => never): bigint {
  const units = unescape(literal, fail);
  if (units.length !== 1) fail(`malformed character constant: ${literal}`);
  return BigInt(units[0]!.value);
}

// ---------------------------------------------------------------------------------------------
// Functions. Arguments are checked against `params` (Go's reflect types, named as Go names them in
// its messages) before `call` runs, so each implementation can declare precise parameter types.

type ParamType = 'string' | '[]string' | 'interface {}' | 'reflect.Value';

interface GoFunc {
  readonly params: readonly ParamType[];
  /** The last parameter repeats, as in Go's `...T`. */
  readonly variadic: boolean;
  /** and/or short-circuit: they receive thunks and evaluate only the arguments they need. */
  readonly lazy: boolean;
  readonly call: (...args: never[]) => Value;
}

/** An error returned by a function; Go reports it as `error calling NAME: …`. */
class FuncError extends Error {}

const fixed = (params: ParamType[], call: (...args: never[]) => Value): GoFunc => ({ params, variadic: false, lazy: false, call });
const variadic = (params: ParamType[], call: (...args: never[]) => Value): GoFunc => ({ params, variadic: true, lazy: false, call });
const shortCircuit = (stopOn: boolean): GoFunc => ({
  params: ['reflect.Value', 'reflect.Value'],
  variadic: true,
  lazy: true,
  call: (...args: (() => Value)[]) => {
    let value: Value = null;
    for (const arg of args) {
      value = arg();
      if (truth(value) === stopOn) break;
    }
    return value;
  },
});

function functionTable(data: GoMap, budget: Budget): ReadonlyMap<string, GoFunc> {
  return new Map<string, GoFunc>([
    // ContainerPilot's own, with its signatures (config/template/template.go).
    ['default', fixed(['interface {}', 'interface {}'], (fallback: Value, value: Value) =>
      typeof value === 'string' && value !== '' ? value : typeof fallback === 'string' ? fallback : formatValue(fallback))],
    ['env', fixed(['string'], (name: string) => data.get(name) ?? '')],
    ['split', fixed(['string', 'string'], (sep: string, s: string) => {
      const trimmed = goTrimSpace(s);
      return new GoSlice('string', trimmed === '' ? [] : sep === '' ? Array.from(trimmed) : trimmed.split(sep));
    })],
    ['join', fixed(['string', '[]string'], (sep: string, list: GoSlice) => {
      const items = list.items as readonly string[];
      budget.checkLength(items.reduce((total, item) => total + item.length, sep.length * Math.max(0, items.length - 1)));
      return items.join(sep);
    })],
    ['replaceAll', fixed(['string', 'string', 'string'], (from: string, to: string, s: string) => {
      // strings.Replace with an empty `from` inserts `to` around every rune.
      if (from === '') {
        const runes = Array.from(s);
        budget.checkLength(s.length + (runes.length + 1) * to.length);
        return to + runes.map((c) => c + to).join('');
      }
      // split/join: several times faster than String.prototype.replaceAll on many matches.
      const parts = s.split(from);
      budget.checkLength(s.length + (parts.length - 1) * (to.length - from.length));
      return parts.join(to);
    })],
    ['regexReplaceAll', fixed(['string', 'string', 'string'], (re: string, to: string, s: string) => regexReplaceAll(compileGoRegexp(re), s, to, budget))],
    ['loop', variadic(['interface {}'], (...params: Value[]) => loop(params, budget))],
    // Go's builtins.
    ['printf', variadic(['string', 'interface {}'], (format: string, ...args: Value[]) => sprintf(format, args))],
    ['print', variadic(['interface {}'], (...args: Value[]) => sprint(args))],
    ['println', variadic(['interface {}'], (...args: Value[]) => `${args.map(formatValue).join(' ')}\n`)],
    ['len', fixed(['reflect.Value'], length)],
    ['index', variadic(['reflect.Value', 'reflect.Value'], index)],
    ['eq', variadic(['reflect.Value', 'reflect.Value'], eq)],
    ['ne', fixed(['reflect.Value', 'reflect.Value'], (a: Value, b: Value) => !eq(a, b))],
    ['lt', fixed(['reflect.Value', 'reflect.Value'], lt)],
    ['le', fixed(['reflect.Value', 'reflect.Value'], (a: Value, b: Value) => lt(a, b) || eq(a, b))],
    ['gt', fixed(['reflect.Value', 'reflect.Value'], (a: Value, b: Value) => !(lt(a, b) || eq(a, b)))],
    ['ge', fixed(['reflect.Value', 'reflect.Value'], (a: Value, b: Value) => !lt(a, b))],
    ['and', shortCircuit(false)],
    ['or', shortCircuit(true)],
    ['not', fixed(['reflect.Value'], (v: Value) => !truth(v))],
    ['html', variadic(['interface {}'], (...args: Value[]) => htmlEscape(escaperInput(args)))],
    ['js', variadic(['interface {}'], (...args: Value[]) => jsEscape(escaperInput(args)))],
    ['urlquery', variadic(['interface {}'], (...args: Value[]) => queryEscape(escaperInput(args)))],
  ]);
}

/** loop N → 0…N-1; loop A B → A…B-1, or A down to B+1 when B < A. Ints or numeric strings. */
function loop(params: Value[], budget: Budget): GoSlice {
  if (params.length < 1 || params.length > 2) throw new FuncError(`loop: wrong number of arguments, expected 1 or 2, but got ${params.length}`);
  const ints = params.map(ensureInt);
  const [start, stop] = ints.length === 1 ? [0n, ints[0]!] : [ints[0]!, ints[1]!];
  // Each item is a step, counted before the slice is built.
  budget.spend(Number(stop < start ? start - stop : stop - start));
  const items: bigint[] = [];
  if (stop < start) for (let i = start; i > stop; i--) items.push(i);
  else for (let i = start; i < stop; i++) items.push(i);
  return new GoSlice('int', items);
}

/** ContainerPilot's ensureInt: strconv.Atoi for strings, a type assertion (which panics) otherwise. */
function ensureInt(v: Value): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v !== 'string') throw new FuncError(`interface conversion: interface {} is ${v === null ? 'nil' : typeName(v)}, not int`);
  if (!/^[+-]?\d+$/.test(v)) throw new FuncError(`strconv.Atoi: parsing ${goQuote(v, '"', false)}: invalid syntax`);
  const n = BigInt(v);
  if (n < MIN_INT || n > MAX_INT) throw new FuncError(`strconv.Atoi: parsing ${goQuote(v, '"', false)}: value out of range`);
  return n;
}

function length(v: Value): bigint {
  if (typeof v === 'string') return BigInt(Buffer.byteLength(v));
  if (v instanceof GoSlice) return BigInt(v.items.length);
  if (isMap(v)) return BigInt(v.size);
  // Go's length asks a nil (the zero Value) for its type, which panics with this message.
  throw new FuncError(v === null ? 'reflect: call of reflect.Value.Type on zero Value' : `len of type ${typeName(v)}`);
}

function index(item: Value, ...keys: Value[]): Value {
  if (item === null) throw new FuncError('index of untyped nil');
  let current: Value = item;
  for (const key of keys) {
    if (isMap(current)) {
      if (typeof key !== 'string') throw new FuncError(`value has type ${typeName(key)}; should be string`);
      current = current.get(key) ?? '';
      continue;
    }
    if (!(current instanceof GoSlice) && typeof current !== 'string') throw new FuncError(`can't index item of type ${typeName(current)}`);
    if (typeof key !== 'bigint') throw new FuncError(key === null ? 'cannot index slice/array with nil' : `cannot index slice/array with type ${typeName(key)}`);
    // Indexing a string yields a byte, as in Go.
    const items: readonly (bigint | string)[] = typeof current === 'string' ? [...Buffer.from(current)].map(BigInt) : current.items;
    if (key < 0n || key >= BigInt(items.length)) throw new FuncError(`index out of range: ${key}`);
    current = items[Number(key)]!;
  }
  return current;
}

type BasicKind = 'bool' | 'int' | 'float' | 'string';

function basicKind(v: Value): BasicKind | null {
  switch (typeof v) {
    case 'boolean': return 'bool';
    case 'bigint': return 'int';
    case 'number': return 'float';
    case 'string': return 'string';
    default: return null;
  }
}

/** eq a b c… is a==b || a==c…; Go refuses to compare different kinds (int with float, string with int). */
function eq(a: Value, ...others: Value[]): boolean {
  if (others.length === 0) throw new FuncError('missing argument for comparison');
  const kind = basicKind(a);
  for (const b of others) {
    if (kind !== basicKind(b)) {
      if (a !== null && b !== null) throw new FuncError('incompatible types for comparison');
    } else if (kind !== null) {
      if (a === b) return true;
    } else if (a === null || b === null) {
      if (a === b) return true;
    } else {
      throw new FuncError(`non-comparable type ${formatValue(b)}: ${typeName(b)}`);
    }
  }
  return false;
}

function lt(a: Value, b: Value): boolean {
  const kind = basicKind(a);
  if (kind === null || basicKind(b) === null) throw new FuncError('invalid type for comparison');
  if (kind !== basicKind(b)) throw new FuncError('incompatible types for comparison');
  if (kind === 'bool') throw new FuncError('invalid type for comparison');
  return typeof a === 'string' ? compareGoStrings(a, b as string) < 0 : (a as bigint | number) < (b as bigint | number);
}

/** html, js and urlquery format their arguments like print, except that nil shows as <no value>. */
function escaperInput(args: Value[]): string {
  const [only] = args;
  return args.length === 1 && typeof only === 'string' ? only : sprint(args.map((arg) => arg ?? '<no value>'));
}

function htmlEscape(s: string): string {
  const entities: Readonly<Record<string, string>> = { '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;', '\0': '\uFFFD' };
  return s.replace(/["'&<>\0]/g, (c) => entities[c]!);
}

function jsEscape(s: string): string {
  const escapes: Readonly<Record<string, string>> = { '\\': '\\\\', "'": "\\'", '"': '\\"', '<': '\\u003C', '>': '\\u003E', '&': '\\u0026', '=': '\\u003D' };
  let out = '';
  for (const c of s) {
    const r = c.codePointAt(0)!;
    const hex = r.toString(16).toUpperCase();
    out += escapes[c] ?? (r < 0x20 ? `\\u00${hex.padStart(2, '0')}` : r < 0x80 || isPrint(c) ? c : `\\u${hex.padStart(4, '0')}`);
  }
  return out;
}

/** url.QueryEscape: unreserved bytes kept, space as +, the rest %XX. */
function queryEscape(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : c === ' ' ? '+' : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

// Regular expressions: Go's are RE2, and so are these (re2js, a port of Go's engine): the same
// syntax (`(?P<name>…)`, `[[:alpha:]]`, `\z`, flags), the same error messages, and matching in time
// linear in the input, where JavaScript's backtracking takes seconds on `^(a+)+$`.

const requireModule = createRequire(import.meta.url);

function compileGoRegexp(pattern: string): RE2JS {
  // Loaded on first use (~50 ms to import): few configs call regexReplaceAll, and every start renders.
  const { RE2JS: engine } = requireModule('re2js') as typeof import('re2js');
  try {
    return engine.compile(pattern);
  } catch (error) {
    // re2js words its syntax errors as Go does: "error parsing regexp: missing closing ): `(a`".
    throw new FuncError((error as Error).message);
  }
}

/** Regexp.ReplaceAllString: Go skips an empty match right after a previous match. */
function regexReplaceAll(re: RE2JS, src: string, template: string, budget: Budget): string {
  budget.process((src.length + 1) * re.programSize());
  const matcher = re.matcher(src);
  const names = Object.keys(re.namedGroups());
  let out = '';
  let lastMatchEnd = 0;
  let searchPos = 0;
  while (searchPos <= src.length && matcher.find(searchPos)) {
    const [start, end] = [matcher.start(), matcher.end()];
    out += src.slice(lastMatchEnd, start);
    if (end > lastMatchEnd || start === 0) {
      const groups = new Map<string, string>(names.map((name) => [name, matcher.group(name) ?? '']));
      for (let i = 0; i <= matcher.groupCount(); i++) groups.set(String(i), matcher.group(i) ?? '');
      out += expand(template, groups);
    }
    budget.checkLength(out.length);
    lastMatchEnd = end;
    const width = searchPos < src.length ? String.fromCodePoint(src.codePointAt(searchPos)!).length : 1;
    searchPos = Math.max(searchPos + width, end);
  }
  return out + src.slice(lastMatchEnd);
}

/**
 * Regexp.Expand: `$1`, `${1}`, `$name`, `${name}`, `$$`. A name is as long as possible (`$1x` is
 * `${1x}`); a group that does not exist or did not match expands to "".
 */
function expand(template: string, groups: ReadonlyMap<string, string>): string {
  return template.replace(/\$(?:\$|\{([\p{L}\p{Nd}_]+)\}|([\p{L}\p{Nd}_]+))/gu, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare;
    if (name === undefined) return '$';
    // Go reads a number as the group's index: `$01` is group 1.
    return groups.get(/^\d+$/.test(name) ? String(Number(name)) : name) ?? '';
  });
}

// ---------------------------------------------------------------------------------------------
// Formatting: Go's fmt, for the values a template can produce.

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  zero: boolean;
  space: boolean;
  width?: number;
  prec?: number;
}

const PLAIN: Spec = { minus: false, plus: false, sharp: false, zero: false, space: false };

/** fmt's %v. */
function formatValue(v: Value): string {
  return formatArg(v, 'v', PLAIN);
}

/** fmt.Sprint: a space between operands when neither is a string. */
function sprint(args: readonly Value[]): string {
  return args.map((arg, i) => (i > 0 && typeof arg !== 'string' && typeof args[i - 1] !== 'string' ? ' ' : '') + formatValue(arg)).join('');
}

function sprintf(format: string, args: readonly Value[]): string {
  let out = '';
  let next = 0;
  let i = 0;
  while (i < format.length) {
    const percent = format.indexOf('%', i);
    if (percent < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, percent);
    i = percent + 1;
    const spec: Spec = { ...PLAIN };
    for (; oneOf(format[i], '-+# 0'); i++) {
      const flag = format[i];
      if (flag === '-') spec.minus = true;
      if (flag === '+') spec.plus = true;
      if (flag === '#') spec.sharp = true;
      if (flag === ' ') spec.space = true;
      // Padding with zeros on the right would change the number, so '-' wins.
      spec.zero = (spec.zero || flag === '0') && !spec.minus;
    }
    const width = parseNum(format, i);
    if (width.num !== undefined) spec.width = width.num;
    i = width.next;
    if (format[i] === '.') {
      const prec = parseNum(format, i + 1);
      [spec.prec, i] = [prec.num ?? 0, prec.next];
    }
    if (i >= format.length) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') out += '%';
    else if (next >= args.length) out += `%!${verb}(MISSING)`;
    else out += formatArg(args[next++]!, verb, spec);
  }
  const extra = args.slice(next).map((arg) => (arg === null ? '<nil>' : `${typeName(arg)}=${formatValue(arg)}`));
  return extra.length > 0 ? `${out}%!(EXTRA ${extra.join(', ')})` : out;
}

/**
 * fmt's parsenum: the digits at `start`. A number past 10^6 is taken as a mistake and ends the
 * format (Go then prints %!(NOVERB)), which also keeps `%999999999d` from padding a gigabyte.
 */
function parseNum(format: string, start: number): { num?: number; next: number } {
  let num: number | undefined;
  let next = start;
  for (; isDigit(format[next]); next++) {
    if (num !== undefined && num > 1e6) return { next: format.length };
    num = (num ?? 0) * 10 + Number(format[next]);
  }
  return num === undefined ? { next } : { num, next };
}

function pad(s: string, spec: Spec): string {
  // Counting runes copies the string into an array: skip it when there is no width to pad to.
  if (spec.width === undefined || spec.width <= s.length / 2) return s;
  const fill = ' '.repeat(Math.max(0, spec.width - Array.from(s).length));
  return spec.minus ? s + fill : fill + s;
}

function badVerb(v: Value, verb: string): string {
  return v === null ? `%!${verb}(<nil>)` : `%!${verb}(${typeName(v)}=${formatValue(v)})`;
}

function formatArg(v: Value, verb: string, spec: Spec): string {
  if (verb === 'T') return pad(typeName(v), spec);
  if (verb === 'v' && spec.sharp) return pad(goSyntax(v), spec);
  // %+v only adds field names to structs; it does not sign numbers.
  const flags = verb === 'v' ? { ...spec, plus: false } : spec;
  if (v === null) return verb === 'v' ? pad('<nil>', flags) : badVerb(v, verb);
  if (v instanceof GoSlice) return `[${v.items.map((item) => formatArg(item, verb, flags)).join(' ')}]`;
  if (isMap(v)) return `map[${sortedKeys(v).map((k) => `${formatArg(k, verb, flags)}:${formatArg(v.get(k)!, verb, flags)}`).join(' ')}]`;
  switch (typeof v) {
    case 'boolean':
      return verb === 'v' || verb === 't' ? pad(String(v), flags) : badVerb(v, verb);
    case 'bigint':
      return formatInt(v, verb, flags);
    case 'number':
      return formatFloat(v, verb, flags);
    default:
      return formatString(v, verb, flags);
  }
}

/** %#v: Go syntax for the composite values; scalars print as %v except that strings are quoted. */
function goSyntax(v: Value): string {
  if (typeof v === 'string') return goQuote(v, '"', false);
  if (v instanceof GoSlice) return `${typeName(v)}{${v.items.map(goSyntax).join(', ')}}`;
  if (isMap(v)) return `map[string]string{${sortedKeys(v).map((k) => `${goSyntax(k)}:${goSyntax(v.get(k)!)}`).join(', ')}}`;
  return formatValue(v);
}

function formatString(s: string, verb: string, spec: Spec): string {
  switch (verb) {
    case 'v':
    case 's':
      return pad(spec.prec === undefined ? s : Array.from(s).slice(0, spec.prec).join(''), spec);
    case 'q':
      return pad(spec.sharp && /^[^`\x00-\x08\x0a-\x1f\x7f\ufeff]*$/.test(s) ? `\`${s}\`` : goQuote(s, '"', spec.plus), spec);
    case 'x':
    case 'X': {
      const bytes = [...Buffer.from(s)].map((b) => b.toString(16).padStart(2, '0')).map((h) => (verb === 'X' ? h.toUpperCase() : h));
      const prefix = spec.sharp ? `0${verb}` : '';
      return pad(spec.space ? bytes.map((h) => prefix + h).join(' ') : prefix + bytes.join(''), spec);
    }
    default:
      return badVerb(s, verb);
  }
}

function runeString(v: bigint): string {
  return v < 0n || v > 0x10ffffn || (v >= 0xd800n && v < 0xe000n) ? '\uFFFD' : String.fromCodePoint(Number(v));
}

function formatInt(v: bigint, verb: string, spec: Spec): string {
  if (verb === 'c') return pad(runeString(v), spec);
  if (verb === 'q') return pad(goQuote(runeString(v), "'", spec.plus), spec);
  if (verb === 'U') {
    const code = `U+${v.toString(16).toUpperCase().padStart(4, '0')}`;
    return pad(spec.sharp ? `${code} '${runeString(v)}'` : code, spec);
  }
  const base = ({ v: 10, d: 10, b: 2, o: 8, O: 8, x: 16, X: 16 } as Readonly<Record<string, number>>)[verb];
  if (base === undefined) return badVerb(v, verb);
  let digits = (v < 0n ? -v : v).toString(base);
  if (verb === 'X') digits = digits.toUpperCase();
  if (spec.prec !== undefined) digits = spec.prec === 0 && v === 0n ? '' : digits.padStart(spec.prec, '0');
  const sign = v < 0n ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  // Go zero-pads to the width less the sign, but not less the 0x prefix.
  if (spec.zero && spec.width !== undefined && spec.prec === undefined) digits = digits.padStart(spec.width - sign.length, '0');
  const prefix = verb === 'O' ? '0o' : !spec.sharp ? '' : verb === 'b' ? '0b' : verb === 'x' || verb === 'X' ? `0${verb}` : verb === 'o' && !digits.startsWith('0') ? '0' : '';
  return pad(sign + prefix + digits, spec);
}

function formatFloat(x: number, verb: string, spec: Spec): string {
  const magnitude = Math.abs(x);
  let body: string;
  switch (verb) {
    case 'v':
    case 'g':
    case 'G':
      body = formatG(magnitude, spec.prec, verb === 'G' ? 'E' : 'e');
      break;
    case 'e':
    case 'E': {
      const prec = spec.prec ?? 6;
      body = formatE(roundDecimal(exactDecimal(magnitude), prec + 1), prec, verb);
      break;
    }
    case 'f':
    case 'F': {
      const prec = spec.prec ?? 6;
      const exact = exactDecimal(magnitude);
      body = formatF(roundDecimal(exact, exact.dp + prec), prec);
      break;
    }
    case 'b':
    case 'x':
    case 'X':
      throw new FuncError(`printf: %${verb} of a float64 is not supported`);
    default:
      return badVerb(x, verb);
  }
  const sign = x < 0 || Object.is(x, -0) ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  if (spec.zero && spec.width !== undefined) body = body.padStart(spec.width - sign.length, '0');
  return pad(sign + body, spec);
}

/** A decimal 0.d × 10^dp, with no leading or trailing zeros in d; zero is { d: '', dp: 0 } (strconv's decimal). */
interface Decimal {
  readonly d: string;
  readonly dp: number;
}

function trimDecimal(d: string, dp: number): Decimal {
  const digits = d.replace(/0+$/, '');
  return digits === '' ? { d: '', dp: 0 } : { d: digits, dp };
}

/** The exact decimal value of a float64, so that rounding is Go's (half to even on the true value). */
function exactDecimal(x: number): Decimal {
  if (x === 0) return { d: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = biased === 0 ? -1074 : biased - 1075;
  if (exponent >= 0) {
    const digits = (mantissa << BigInt(exponent)).toString();
    return trimDecimal(digits, digits.length);
  }
  // m × 2^-k = m × 5^k / 10^k
  const digits = (mantissa * 5n ** BigInt(-exponent)).toString();
  return trimDecimal(digits, digits.length + exponent);
}

/** The shortest digits that read back as x: JavaScript and Go agree on these. */
function shortestDecimal(x: number): Decimal {
  const [mantissa, exponent] = x.toExponential().split('e') as [string, string];
  return trimDecimal(mantissa.replace('.', ''), Number(exponent) + 1);
}

/** Keeps nd digits, rounding half to even. */
function roundDecimal(a: Decimal, nd: number): Decimal {
  if (nd < 0 || nd >= a.d.length) return a;
  const next = a.d[nd]!;
  const up = next > '5' || (next === '5' && (nd + 1 < a.d.length || (nd > 0 && Number(a.d[nd - 1]) % 2 === 1)));
  if (!up) return trimDecimal(a.d.slice(0, nd), a.dp);
  let i = nd - 1;
  while (i >= 0 && a.d[i] === '9') i--;
  if (i < 0) return { d: '1', dp: a.dp + 1 };
  return { d: a.d.slice(0, i) + String(Number(a.d[i]) + 1), dp: a.dp };
}

function formatE(a: Decimal, prec: number, e: string): string {
  const d = a.d || '0';
  const mantissa = prec > 0 ? `${d[0]}.${d.slice(1, prec + 1).padEnd(prec, '0')}` : d[0]!;
  const exponent = a.d === '' ? 0 : a.dp - 1;
  return `${mantissa}${e}${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

function formatF(a: Decimal, prec: number): string {
  let out = a.dp > 0 ? a.d.slice(0, a.dp).padEnd(a.dp, '0') : '0';
  if (prec > 0) {
    out += '.';
    for (let i = 0; i < prec; i++) out += a.d[a.dp + i] ?? '0';
  }
  return out;
}

/**
 * strconv's 'g': the exponent form below 1e-4 and from 10^precision on. For the shortest form (%v)
 * that threshold is 1e+06, where JavaScript's String() would wait until 1e21.
 */
function formatG(x: number, prec: number | undefined, e: string): string {
  let digits: Decimal;
  let p: number;
  let eprec: number;
  if (prec === undefined) {
    digits = shortestDecimal(x);
    p = digits.d.length;
    eprec = 6;
  } else {
    p = Math.max(prec, 1);
    digits = roundDecimal(exactDecimal(x), p);
    eprec = p > digits.d.length && digits.d.length >= digits.dp ? digits.d.length : p;
  }
  const exponent = digits.dp - 1;
  if (exponent < -4 || exponent >= eprec) return formatE(digits, Math.min(p, digits.d.length) - 1, e);
  return formatF(digits, Math.max((p > digits.dp ? digits.d.length : p) - digits.dp, 0));
}

function isPrint(c: string): boolean {
  return c === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(c);
}

/** strconv.Quote (or QuoteToASCII); with quote `'`, QuoteRune. */
function goQuote(s: string, quote: '"' | "'", asciiOnly: boolean): string {
  const named: Readonly<Record<string, string>> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };
  let out = quote;
  for (const c of s) {
    const r = c.codePointAt(0)!;
    const hex = r.toString(16);
    if (c === quote || c === '\\') out += `\\${c}`;
    else if (isPrint(c) && (!asciiOnly || r < 0x80)) out += c;
    else if (named[c]) out += named[c];
    else if (r < 0x20 || r === 0x7f) out += `\\x${hex.padStart(2, '0')}`;
    else out += r < 0x10000 ? `\\u${hex.padStart(4, '0')}` : `\\U${hex.padStart(8, '0')}`;
  }
  return out + quote;
}

// ---------------------------------------------------------------------------------------------
// Evaluator (Go's exec.go).

/** The pipeline value passed to a command as its last argument; MISSING for the first command. */
const MISSING = Symbol('no pipeline value');
type Final = Value | typeof MISSING;

/** {{break}} and {{continue}} unwind to the enclosing range. */
class LoopSignal {
  constructor(readonly kind: 'break' | 'continue') {}
}

function stringLength(value: unknown): number {
  return typeof value === 'string' ? value.length : 0;
}

class Executor {
  /** Go's variable stack: `$` at the bottom, declarations pushed, control structures pop theirs. */
  private readonly vars: { name: string; value: Value }[] = [];
  private out = '';

  /** The defined template being executed, for error messages (`executing "name"`); undefined for the config's own. */
  private templateName: string | undefined;
  /** Where the running template's variables begin in `vars`: those below belong to its callers. */
  private varsBase = 0;
  /** Templates running one inside another ({{template}} may recurse). */
  private templateDepth = 0;
  /** Control structures and template calls running one inside another (TEMPLATE_LIMITS.execDepth). */
  private execDepth = 0;

  constructor(
    private readonly src: string,
    private readonly funcs: ReadonlyMap<string, GoFunc>,
    private readonly defined: ReadonlyMap<string, readonly Node[]>,
    private readonly budget: Budget,
    private readonly actionOutput?: OutputRange[],
  ) {}

  execute(list: readonly Node[], data: GoMap): string {
    this.vars.push({ name: '$', value: data });
    this.walkList(data, list);
    return this.out;
  }

  private fail(pos: number, reason: string, context: string): TemplateError {
    return errorAt(this.src, pos, reason, context, this.templateName);
  }

  /** Runs `step`, placing an exceeded budget at the node being executed (`context` is built only then). */
  private charged<T>(pos: number, context: () => string, step: () => T): T {
    try {
      return step();
    } catch (error) {
      if (error instanceof BudgetError) throw this.fail(pos, error.message, context());
      throw error;
    }
  }

  private spend(pos: number, context: () => string): void {
    this.charged(pos, context, () => this.budget.spend(1));
  }

  private write(text: string, pos: number, context: () => string): void {
    this.charged(pos, context, () => this.budget.checkLength(this.out.length + text.length));
    this.out += text;
  }

  private walkList(dot: Value, list: readonly Node[]): void {
    for (const node of list) this.walk(dot, node);
  }

  private walk(dot: Value, node: Node): void {
    switch (node.type) {
      case 'text':
        this.write(node.text, node.pos, () => (node.text.length > 20 ? `${node.text.slice(0, 20)}...` : node.text));
        return;
      case 'action': {
        const context = (): string => pipeString(node.pipe);
        this.spend(node.pipe.pos, context);
        const value = this.evalPipeline(dot, node.pipe);
        // An action that declares or assigns a variable prints nothing.
        if (node.pipe.decl.length > 0) return;
        const start = this.out.length;
        this.write(value === null ? '<no value>' : formatValue(value), node.pipe.pos, context);
        if (this.out.length > start) this.actionOutput?.push({ start, end: this.out.length });
        return;
      }
      case 'if':
      case 'with':
        this.deeper(node.pos, () => `${node.type} ${pipeString(node.pipe)}`, () => {
          const mark = this.vars.length;
          const value = this.evalPipeline(dot, node.pipe);
          if (truth(value)) this.walkList(node.type === 'with' ? value : dot, node.list);
          else if (node.elseList) this.walkList(dot, node.elseList);
          this.vars.length = mark;
        });
        return;
      case 'range':
        this.deeper(node.pos, () => `range ${pipeString(node.pipe)}`, () => this.walkRange(dot, node));
        return;
      case 'template':
        this.deeper(node.pos, () => templateString(node), () => this.walkTemplate(dot, node));
        return;
      case 'break':
      case 'continue':
        throw new LoopSignal(node.type);
    }
  }

  /** Runs a control structure or template call one level deeper, within the limit of nesting. */
  private deeper(pos: number, context: () => string, run: () => void): void {
    if (this.execDepth >= TEMPLATE_LIMITS.execDepth) {
      const limit = TEMPLATE_LIMITS.execDepth;
      throw this.fail(pos, `the template runs more than ${limit} control structures and template calls one inside another, the limit`, context());
    }
    this.execDepth++;
    try {
      run();
    } finally {
      this.execDepth--;
    }
  }

  /** Go's walkTemplate: the named template with the pipeline's value as dot and as `$`, and no other variable in scope. */
  private walkTemplate(dot: Value, node: TemplateNode): void {
    const context = (): string => templateString(node);
    this.spend(node.pos, context);
    const list = this.defined.get(node.name);
    if (list === undefined) throw this.fail(node.pos, `template ${goQuote(node.name, '"', false)} not defined`, context());
    if (this.templateDepth >= TEMPLATE_LIMITS.depth) throw this.fail(node.pos, `exceeded maximum template depth (${TEMPLATE_LIMITS.depth})`, context());
    const value = node.pipe ? this.evalPipeline(dot, node.pipe) : null;
    const [base, mark, name] = [this.varsBase, this.vars.length, this.templateName];
    this.varsBase = mark;
    this.vars.push({ name: '$', value });
    this.templateName = node.name;
    this.templateDepth++;
    try {
      this.walkList(value, list);
    } finally {
      this.templateDepth--;
      this.templateName = name;
      this.vars.length = mark;
      this.varsBase = base;
    }
  }

  private walkRange(dot: Value, node: ControlNode): void {
    const outer = this.vars.length;
    const value = this.evalPipeline(dot, node.pipe);
    // The pipeline pushed its declared variables; each iteration overwrites them.
    const mark = this.vars.length;
    const { decl, isAssign } = node.pipe;
    let iterated = false;
    for (const [key, elem] of this.rangeEntries(value, node)) {
      iterated = true;
      this.spend(node.pipe.pos, () => `range ${pipeString(node.pipe)}`);
      if (isAssign) {
        // With two variables the first gets the index or key; with one, it gets the element.
        if (decl.length === 2) this.setVar(decl[0]!, key, node.pos);
        if (decl.length > 0) this.setVar(decl[decl.length - 1]!, elem, node.pos);
      } else {
        if (decl.length > 0) this.vars[mark - 1]!.value = elem;
        if (decl.length === 2) this.vars[mark - 2]!.value = key;
      }
      try {
        this.walkList(elem, node.list);
      } catch (error) {
        if (!(error instanceof LoopSignal)) throw error;
        if (error.kind === 'break') break;
      } finally {
        this.vars.length = mark;
      }
    }
    if (!iterated && node.elseList) this.walkList(dot, node.elseList);
    this.vars.length = outer;
  }

  /** [index or key, element] pairs; maps in key order, integers (Go 1.22) as 0…n-1. */
  private *rangeEntries(value: Value, node: ControlNode): Generator<[Value, Value]> {
    if (value instanceof GoSlice) {
      for (const [i, item] of value.items.entries()) yield [BigInt(i), item];
    } else if (isMap(value)) {
      for (const key of sortedKeys(value)) yield [key, value.get(key)!];
    } else if (typeof value === 'bigint') {
      if (node.pipe.decl.length > 1) throw this.fail(node.pipe.pos, `can't use ${value} to iterate over more than one variable`, `range ${pipeString(node.pipe)}`);
      for (let i = 0n; i < value; i++) yield [i, i];
    } else if (value !== null) {
      throw this.fail(node.pipe.pos, `range can't iterate over ${formatValue(value)}`, `range ${pipeString(node.pipe)}`);
    }
  }

  private evalPipeline(dot: Value, pipe: Pipeline): Value {
    const [first, ...rest] = pipe.commands;
    let value = this.evalCommand(dot, first, MISSING);
    for (const command of rest) value = this.evalCommand(dot, command, value);
    for (const name of pipe.decl) {
      if (pipe.isAssign) {
        const at = lastEvaluated(pipe);
        this.setVar(name, value, at.pos, operandString(at));
      } else {
        this.vars.push({ name, value });
      }
    }
    return value;
  }

  private evalCommand(dot: Value, command: Command, final: Final): Value {
    const [first, ...args] = command.args;
    this.spend(first.pos, () => commandString(command.args));
    switch (first.kind) {
      case 'function':
        return this.call(dot, first, first.name, args, final);
      case 'field':
        return this.fieldChain(dot, first, first.names, args, final);
      case 'variable': {
        const value = this.lookupVar(first.name, first.pos);
        if (first.names.length > 0) return this.fieldChain(value, first, first.names, args, final);
        this.notAFunction(first, args, final);
        return value;
      }
      case 'chain':
        return this.fieldChain(this.evalArg(dot, first.base, 'interface {}'), first, first.names, args, final);
      case 'nil':
        throw this.fail(first.pos, 'nil is not a command', 'nil');
      case 'pipeline':
        this.notAFunction(first, args, final);
        return this.evalPipeline(dot, first.pipe);
      case 'dot':
        this.notAFunction(first, args, final);
        return dot;
      case 'literal':
        this.notAFunction(first, args, final);
        return first.value;
    }
  }

  private notAFunction(node: Operand, args: readonly Operand[], final: Final): void {
    if (args.length > 0 || final !== MISSING) throw this.fail(node.pos, `can't give argument to non-function ${node.text}`, operandString(node));
  }

  private fieldChain(receiver: Value, node: Operand, names: readonly string[], args: readonly Operand[], final: Final): Value {
    let value = receiver;
    names.forEach((name, i) => {
      const hasArgs = i === names.length - 1 && (args.length > 0 || final !== MISSING);
      value = this.field(value, name, node, hasArgs);
    });
    return value;
  }

  /** Fields exist only on the environment map; missingkey=zero makes a missing one "". */
  private field(receiver: Value, name: string, node: Operand, hasArgs: boolean): Value {
    if (receiver === null) return null;
    if (!isMap(receiver)) throw this.fail(node.pos, `can't evaluate field ${name} in type ${typeName(receiver)}`, operandString(node));
    if (hasArgs) throw this.fail(node.pos, `${name} is not a method but has arguments`, operandString(node));
    return receiver.get(name) ?? '';
  }

  private call(dot: Value, node: Operand, name: string, args: readonly Operand[], final: Final): Value {
    const fn = this.funcs.get(name)!; // the parser rejected unknown functions
    const context = (): string => commandString([node, ...args]);
    const count = args.length + (final === MISSING ? 0 : 1);
    const required = fn.params.length - (fn.variadic ? 1 : 0);
    if (fn.variadic ? count < required : count !== required) {
      throw this.fail(node.pos, `wrong number of args for ${name}: want ${fn.variadic ? 'at least ' : ''}${required} got ${count}`, context());
    }
    const paramType = (i: number): ParamType => fn.params[Math.min(i, fn.params.length - 1)]!;
    const thunks = args.map((arg, i) => () => this.evalArg(dot, arg, paramType(i)));
    if (final !== MISSING) thunks.push(() => this.checkType(final, paramType(args.length), node.pos, context()));
    const invoke = fn.call as (...values: unknown[]) => Value; // arguments are checked against fn.params
    const values = fn.lazy ? thunks : thunks.map((thunk) => thunk());
    // Charged before the call, so that a function never starts work the budget cannot pay for.
    this.charged(node.pos, context, () => this.budget.process(values.reduce((total: number, value) => total + stringLength(value), 0)));
    let result: Value;
    try {
      result = this.charged(node.pos, context, () => invoke(...values));
    } catch (error) {
      if (error instanceof FuncError) throw this.fail(node.pos, `error calling ${name}: ${error.message}`, context());
      throw error;
    }
    this.charged(node.pos, context, () => {
      if (typeof result === 'string') this.budget.checkLength(result.length);
      this.budget.process(stringLength(result));
    });
    return result;
  }

  /** An argument is evaluated on its own: a function name calls it with no arguments, as in Go. */
  private evalArg(dot: Value, node: Operand, want: ParamType): Value {
    switch (node.kind) {
      case 'literal': {
        const value = node.value;
        if (want === 'interface {}' || want === 'reflect.Value' || (want === 'string' && typeof value === 'string')) return value;
        throw this.fail(node.pos, want === 'string' ? `expected string; found ${node.text}` : `can't handle ${node.text} for arg of type ${want}`, node.text);
      }
      case 'nil':
        // Go 1.26 passes a nil to a reflect.Value parameter (eq, and, or, not…) as the zero Value.
        if (want === 'interface {}' || want === 'reflect.Value') return null;
        if (want === '[]string') return EMPTY_STRINGS;
        throw this.fail(node.pos, `cannot assign nil to ${want}`, 'nil');
      default:
        return this.checkType(this.evalCommand(dot, { args: [node] }, MISSING), want, node.pos, operandString(node));
    }
  }

  private checkType(value: Value, want: ParamType, pos: number, context: string): Value {
    if (want === 'interface {}' || want === 'reflect.Value') return value;
    if (want === 'string' ? typeof value === 'string' : value instanceof GoSlice && value.elem === 'string') return value;
    if (value === null && want === '[]string') return EMPTY_STRINGS;
    throw this.fail(pos, value === null ? `invalid value; expected ${want}` : `wrong type for value; expected ${want}; got ${typeName(value)}`, context);
  }

  private lookupVar(name: string, pos: number): Value {
    return this.variable(name, pos).value;
  }

  private setVar(name: string, value: Value, pos: number, context = name): void {
    this.variable(name, pos, context).value = value;
  }

  /** The innermost variable of that name. The parser checked scopes, but a variable declared in an
   * {{if}} body is still in parse scope in its {{else}}, where at run time it was never declared. */
  private variable(name: string, pos: number, context = name): { name: string; value: Value } {
    for (let i = this.vars.length - 1; i >= this.varsBase; i--) if (this.vars[i]!.name === name) return this.vars[i]!;
    throw this.fail(pos, `undefined variable: ${name}`, context);
  }
}
