// Turning an `exec` field into an argv. ContainerPilot trims the string and splits it on single
// spaces (commands/args.go), so `-u {{ .U }} -pw x` with U empty passes an empty argument, and
// configs rely on that; pilotfish does exactly the same for a string without quotes, backslashes or
// shell syntax. ContainerPilot's splitting broke `curl --header "HOST: x"` and silently ran
// `a && b` as one program with arguments `&&` and `b`, so a string with quotes or backslashes is
// split like a shell splits it, and one that uses shell syntax runs as `/bin/sh -c`.
import { parse, quote } from 'shell-quote';
import { goTrimSpace } from './go-space.js';
import type { Command } from './types.js';

/** An `exec` that cannot become a command; the message is phrased for a config error. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
}

// Characters whose meaning shell-quote does not report: backticks (command substitution) and
// newlines (command separators).
const SHELL_CHARACTERS = /[`\n]/;
// What makes a string more than ContainerPilot's space-separated words.
const QUOTING = /['"\\]/;
// `NAME=value cmd` sets a variable for cmd in a shell; spawned directly, `NAME=value` would be the program.
const VARIABLE_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
// Words that exist only inside a shell: spawned directly they fail with ENOENT.
const SHELL_ONLY_WORDS = new Set([
  '!', '.', '{', 'case', 'cd', 'eval', 'exec', 'export', 'for', 'if', 'set', 'source', 'trap', 'ulimit',
  'umask', 'unset', 'until', 'while',
]);

/**
 * An array is taken as the argv it is. A string that uses shell syntax (operators, redirections,
 * globs, `$VAR`, `$(…)`, backticks, comments, `~`) runs as `/bin/sh -c <string>`, which is always
 * what the user meant; one with quotes or backslashes is split like a shell would split it; any
 * other is split on single spaces, exactly as ContainerPilot split it.
 */
export function parseCommand(exec: string | readonly string[]): Command {
  if (typeof exec !== 'string') {
    const [program, ...args] = exec;
    if (program === undefined) throw new CommandError('a command array must not be empty');
    return { argv: [program, ...args], display: quote(exec) };
  }
  if (exec.trim() === '') throw new CommandError('a command must not be empty');
  const reading = readCommand(exec);
  if (reading === 'shell') return { argv: ['/bin/sh', '-c', exec], display: exec };
  return { argv: reading === 'plain' ? splitAsContainerPilot(exec) : reading, display: exec };
}

/**
 * `command`'s display with each of `secrets` (longest first) masked as `***`. An array's display is
 * its argv quoted, where a secret such as `a$b` reads `a\$b`: its arguments are masked before
 * they are quoted.
 */
export function maskedDisplay(command: Command, secrets: readonly string[]): string {
  const mask = (text: string, by: string) => secrets.reduce((masked, secret) => masked.split(secret).join(by), text);
  if (command.display !== quote(command.argv)) return mask(command.display, '***');
  // NUL cannot be in an argument, and quoting leaves it alone (where `***` would become `\*\*\*`).
  const quoted = quote(command.argv.map((arg) => mask(arg, '\0'))).split('\0').join('***');
  // A plain string's display is its argv quoted too, and a value there may span arguments (`Bearer x`).
  return mask(quoted, '***');
}

/** Whether ContainerPilot's splitting applies to `text`: it has no quotes, backslashes or shell syntax. */
export function isPlainCommand(text: string): boolean {
  try {
    return readCommand(text) === 'plain';
  } catch (error) {
    if (error instanceof CommandError) return false;
    throw error;
  }
}

// An `&` between two characters of one word, as in a URL's query string (not `&&`, `2>&1`, `a & b`).
const AMPERSAND_IN_A_WORD = /(?<=[^\s&|;<>()])&(?=[^\s&|;<>()])/g;

/**
 * Whether `text` runs under /bin/sh with an `&` inside a word, which ends a command there and runs
 * it in the background: `curl http://a/x?b=1&c=2` checks nothing and succeeds, where
 * ContainerPilot passed the URL whole.
 */
export function backgroundsInsideAWord(text: string): boolean {
  const inAWord = text.replace(AMPERSAND_IN_A_WORD, 'x');
  return inAWord !== text && !isPlainCommand(text) && ampersands(inAWord) < ampersands(text);
}

function ampersands(text: string): number {
  return parse(text, (name) => ({ variable: name })).filter((entry) => typeof entry === 'object' && 'op' in entry && entry.op === '&').length;
}

/** ContainerPilot's commands/args.go: trimmed (Go's white space), then cut at every single space. */
export function splitAsContainerPilot(text: string): [string, ...string[]] {
  // split always returns at least one element.
  const [program = '', ...args] = goTrimSpace(text).split(' ');
  return [program, ...args];
}

/** How a command string runs: under the shell, as the shell's words, or split as ContainerPilot split it. */
function readCommand(text: string): 'shell' | 'plain' | [string, ...string[]] {
  if (hasUnclosedQuote(text)) throw new CommandError(`unclosed quote in ${JSON.stringify(text)}`);
  // A function as `env` makes shell-quote report each `$VAR` as an object instead of expanding it.
  const entries = parse(text, (name) => ({ variable: name }));
  const words = entries.filter((entry): entry is string => typeof entry === 'string');
  const [program, ...args] = words;
  if (program === undefined || words.length < entries.length || needsShell(text, words)) return 'shell';
  return QUOTING.test(text) ? [program, ...args] : 'plain';
}

function needsShell(text: string, words: string[]): boolean {
  const [program = ''] = words;
  return (
    SHELL_CHARACTERS.test(text) ||
    VARIABLE_ASSIGNMENT.test(program) ||
    SHELL_ONLY_WORDS.has(program) ||
    // shell-quote reports `*` and `?` globs but not `[a-z]` classes or `~` home directories.
    words.some((word) => word.startsWith('~') || /\[.*\]/.test(word))
  );
}

/** shell-quote silently closes an open quote; a shell would refuse, and so do we. */
function hasUnclosedQuote(text: string): boolean {
  let open: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '\\' && open !== "'") i++; // the next character is escaped
    else if (open !== undefined) open = char === open ? undefined : open;
    else if (char === "'" || char === '"') open = char;
    else if (char === '#' && (i === 0 || /\s/.test(text[i - 1] as string))) return false; // a comment: quotes in it do not count
  }
  return open !== undefined;
}
