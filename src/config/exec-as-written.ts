// Template values are data in an `exec` string, as they were in ContainerPilot, which cut every
// string at its spaces whatever it held. pilotfish runs a string with quotes or shell syntax under
// the shell rules (command.ts), but only when the config's author wrote them: a password with `$`
// or `&` rendered into `app --password {{ .PW }}` must reach the app as it is, not be expanded or
// run in the background by /bin/sh. So a string that is plain as written (the output of template
// actions aside) is split as ContainerPilot split it, whatever the values brought in. And where the
// author's own shell syntax means something ContainerPilot never did (an `&` inside a URL), the
// config says so in a warning.
import JSON5 from 'json5';
import { backgroundsInsideAWord, isPlainCommand, splitAsContainerPilot } from './command.js';
import type { DocumentIssue, DocumentPath } from './errors.js';
import type { SourceNode } from './locate.js';
import type { OutputRange } from './template.js';

/**
 * Replaces, in `document` (parsed from `rendered`, a JSON5 text, into `tree` as well), each `exec` string that the
 * template's values made look like quotes or shell syntax by the argv ContainerPilot would have
 * passed. `actionOutput` says where the values went in `rendered` (renderTemplate).
 */
export function execValuesAsData(document: unknown, rendered: string, actionOutput: readonly OutputRange[], tree: SourceNode | undefined): unknown {
  // Without the parser's tree (nested too deep for it) the strings stay as they are.
  if (actionOutput.length === 0 || tree === undefined) return document;
  const pending: { node: SourceNode; value: unknown }[] = [{ node: tree, value: document }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { node, value } = next;
    if (node.kind === 'array' && Array.isArray(value)) node.items.forEach((item, index) => pending.push({ node: item, value: value[index] }));
    if (node.kind !== 'object' || !isObject(value)) continue;
    for (const member of node.members) {
      const item = value[member.key];
      if (member.key === 'exec' && member.value.kind === 'scalar' && typeof item === 'string') {
        const written = asWritten(rendered, member.value.start, actionOutput);
        if (written !== undefined && item.trim() !== '' && !isPlainCommand(item) && isPlainCommand(written)) value[member.key] = splitAsContainerPilot(item);
      } else {
        pending.push({ node: member.value, value: item });
      }
    }
  }
  return document;
}

/**
 * A warning for each job's or check's `exec` string (in `document`, normalized) that /bin/sh would
 * cut at an `&` inside a word. The message quotes nothing of the command: it may hold secrets.
 */
export function execWarnings(document: unknown): DocumentIssue[] {
  const jobs = isObject(document) && Array.isArray(document.jobs) ? (document.jobs as unknown[]) : [];
  const paths = jobs.flatMap((_, index): DocumentPath[] => [
    ['jobs', index, 'exec'],
    ['jobs', index, 'health', 'exec'],
  ]);
  return paths
    .filter((path) => {
      const exec = valueAt(document, path);
      return typeof exec === 'string' && backgroundsInsideAWord(exec);
    })
    .map((path) => ({
      path,
      message:
        'runs under /bin/sh, where an "&" inside a word (a URL\'s query string?) ends the command and runs it in the background; ContainerPilot passed that word whole: quote it, or give exec as an array',
    }));
}

function valueAt(document: unknown, path: DocumentPath): unknown {
  let value = document;
  for (const segment of path) value = isObject(value) || Array.isArray(value) ? (value as Record<string | number, unknown>)[segment] : undefined;
  return value;
}

/**
 * The string literal at `start` as its author wrote it: every character a template action put
 * there (spaces aside, which separate arguments in ContainerPilot too) becomes an `x`.
 * Undefined when that is no longer a JSON5 string (a value ended in a backslash).
 */
function asWritten(rendered: string, start: number, actionOutput: readonly OutputRange[]): string | undefined {
  const quote = rendered[start];
  if (quote !== '"' && quote !== "'") return undefined;
  let end = start + 1;
  while (end < rendered.length && rendered[end] !== quote) end += rendered[end] === '\\' ? 2 : 1;
  let range = firstRangeEndingAfter(actionOutput, start);
  let masked = '';
  for (let offset = start + 1; offset < end; offset++) {
    while (range < actionOutput.length && (actionOutput[range] as OutputRange).end <= offset) range++;
    const fromValue = range < actionOutput.length && (actionOutput[range] as OutputRange).start <= offset;
    const char = rendered[offset] as string;
    masked += fromValue && char !== ' ' ? 'x' : char;
  }
  try {
    const decoded: unknown = JSON5.parse(`${quote}${masked}${quote}`);
    return typeof decoded === 'string' ? decoded : undefined;
  } catch {
    return undefined;
  }
}

/** Binary search over ranges in order: the index of the first that ends after `offset`. */
function firstRangeEndingAfter(ranges: readonly OutputRange[], offset: number): number {
  let low = 0;
  let high = ranges.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((ranges[middle] as OutputRange).end <= offset) low = middle + 1;
    else high = middle;
  }
  return low;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
