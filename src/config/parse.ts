// Rendered config text → plain value, by file extension: YAML for `.yaml`/`.yml`, JSON5 for
// everything else (JSON5 is a superset of JSON, and ContainerPilot read every file as JSON5).
import { createRequire } from 'node:module';
import JSON5 from 'json5';
import type { DocumentIssue } from './errors.js';
import { json5Tree } from './json5-tree.js';
import { locatorFor, positionsIn, type Locator, type SourceNode } from './locate.js';

const requireModule = createRequire(import.meta.url);

export type DocumentFormat = 'json5' | 'yaml';

/** `tree`: a JSON5 document's nodes with their offsets, when it could be read (for exec-as-written.ts). */
export type ParsedText = { ok: true; value: unknown; locate: Locator; tree?: SourceNode } | { ok: false; issues: DocumentIssue[] };

export function documentFormat(file: string): DocumentFormat {
  return /\.ya?ml$/i.test(file) ? 'yaml' : 'json5';
}

export function parseText(text: string, format: DocumentFormat): ParsedText {
  const tooMany = separatorsOver(text, MAX_SEPARATORS);
  if (tooMany !== undefined) return { ok: false, issues: [tooManyIssue(text, tooMany)] };
  return format === 'yaml' ? parseYaml(text) : parseJson5(text);
}

// The yaml and json5 packages take 10-25 µs and a few KB per value: a megabyte of short list items
// took 2-5 s and 250-700 MB to read, in PID 1's event loop on a reload, enough for a container's
// memory limit to kill it. A value needs a line or a comma of its own (short of nesting, which is
// bounded apart), so counting those bounds the work; real configs have a few hundred.
const MAX_SEPARATORS = 20_000;

function tooManyIssue(text: string, offset: number): DocumentIssue {
  return {
    path: [],
    message: `the config has more than ${MAX_SEPARATORS} lines and commas, which would take seconds and hundreds of MB to read`,
    position: positionsIn(text)(offset),
  };
}

/**
 * The offset of the line break or comma that makes them more than `limit`, or undefined. Lines end
 * at `\n` for both parsers (the yaml package does not end one at a lone `\r`).
 */
function separatorsOver(text: string, limit: number): number | undefined {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if ((char === LINE_FEED || char === COMMA) && ++count > limit) return i;
  }
  return undefined;
}

const LINE_FEED = 0x0a;
const COMMA = 0x2c;

// json5 reports "JSON5: invalid character 'x' at 3:5"; the position goes in the issue, the rest is the message.
const JSON5_DECORATION = /^JSON5: |\s+at \d+:\d+$/g;

function parseJson5(text: string): ParsedText {
  let value: unknown;
  try {
    value = JSON5.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    const { lineNumber, columnNumber } = error as SyntaxError & { lineNumber?: number; columnNumber?: number };
    const position = lineNumber === undefined ? undefined : { line: lineNumber, column: Math.max(1, columnNumber ?? 1) };
    return { ok: false, issues: [{ path: [], message: error.message.replace(JSON5_DECORATION, ''), position }] };
  }
  const tree = treeOrUndefined(() => json5Tree(text));
  // Only nesting thousands deep defeats the recursive tree reader, and without the tree neither
  // duplicate keys nor positions could be reported: refuse it where it gets too deep, as for YAML.
  const tooDeep = tree === undefined ? flowNestingOver(text, MAX_FLOW_DEPTH) : undefined;
  if (tooDeep !== undefined) return { ok: false, issues: [tooDeepIssue(text, tooDeep)] };
  const duplicates = tree === undefined ? [] : duplicateKeys(tree, positionsIn(text));
  if (duplicates.length > 0) return { ok: false, issues: duplicates };
  return tree === undefined ? { ok: true, value, locate: () => undefined } : { ok: true, value, locate: locatorFor(tree, text), tree };
}

/** The offsets tree; undefined if it cannot be built (nesting too deep for the recursive reader). */
function treeOrUndefined(build: () => SourceNode): SourceNode | undefined {
  try {
    return build();
  } catch {
    return undefined;
  }
}

/** JSON5 (like JSON.parse) silently keeps the last of duplicate keys; a config that repeats one is a mistake. */
function duplicateKeys(root: SourceNode, positionAt: (offset: number) => { line: number; column: number }): DocumentIssue[] {
  const issues: DocumentIssue[] = [];
  const pending: { node: SourceNode; path: (string | number)[] }[] = [{ node: root, path: [] }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { node, path } = next;
    if (node.kind === 'array') node.items.forEach((item, index) => pending.push({ node: item, path: [...path, index] }));
    if (node.kind !== 'object') continue;
    const firstLine = new Map<string, number>();
    for (const member of node.members) {
      const position = positionAt(member.keyStart);
      const line = firstLine.get(member.key);
      if (line === undefined) firstLine.set(member.key, position.line);
      else issues.push({ path, message: `duplicate key ${JSON.stringify(member.key)}, already set on line ${line}`, position });
      pending.push({ node: member.value, path: [...path, member.key] });
    }
  }
  return issues;
}

function parseYaml(text: string): ParsedText {
  // YAML support (the `yaml` package and its tree walker, ~50 ms to import) is loaded only for
  // YAML files: most configs are JSON5, and start-up time is a feature of a supervisor.
  const { parseDocument } = requireModule('yaml') as typeof import('yaml');
  const { collectionKeys, yamlTree } = requireModule('./yaml-tree.js') as typeof import('./yaml-tree.js');
  const positionAt = positionsIn(text);
  const tooDeep = flowNestingOver(text, MAX_FLOW_DEPTH);
  if (tooDeep !== undefined) return { ok: false, issues: [tooDeepIssue(text, tooDeep)] };
  // Duplicate keys are found below, in one pass: the yaml package's own check compares each key
  // with every earlier one of its mapping (20 000 keys took 13 s, in PID 1's event loop on a reload).
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: false });
  if (document.errors.length > 0) {
    // The yaml package appends " at line L, column C:" and a source excerpt even without prettyErrors.
    const issues = document.errors.map((error) => ({ path: [], message: yamlMessage(error.message), position: positionAt(error.pos[0]) }));
    return { ok: false, issues };
  }
  const keyIssues = collectionKeys(document, positionAt);
  if (keyIssues.length > 0) return { ok: false, issues: keyIssues };
  const tree = treeOrUndefined(() => yamlTree(document.contents));
  const duplicates = tree === undefined ? [] : duplicateKeys(tree, positionAt);
  if (duplicates.length > 0) return { ok: false, issues: duplicates };
  try {
    const value: unknown = document.toJS();
    return tree === undefined ? { ok: true, value, locate: () => undefined } : { ok: true, value, locate: locatorFor(tree, text), tree };
  } catch (error) {
    // toJS refuses unresolved aliases and alias "billion laughs" expansions, and recurses.
    if (!(error instanceof ReferenceError || error instanceof RangeError)) throw error;
    return { ok: false, issues: [{ path: [], message: yamlMessage(error.message) }] };
  }
}

const TOO_DEEP = /Maximum call stack size exceeded/;

// The yaml package takes seconds and hundreds of MB on a megabyte of `[[[[…`, before it gives up.
const MAX_FLOW_DEPTH = 100;

function tooDeepIssue(text: string, offset: number): DocumentIssue {
  return { path: [], message: `flow collections are nested more than ${MAX_FLOW_DEPTH} levels deep`, position: positionsIn(text)(offset) };
}

/**
 * The offset where `[`/`{` nesting first exceeds `limit`, or undefined. Brackets inside quoted or
 * block scalars are counted too: a real config never has a hundred of them unbalanced.
 */
function flowNestingOver(text: string, limit: number): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '[' || char === '{') {
      if (++depth > limit) return i;
    } else if ((char === ']' || char === '}') && depth > 0) {
      depth--;
    }
  }
  return undefined;
}

function yamlMessage(message: string): string {
  if (TOO_DEEP.test(message)) return 'the document is nested too deeply to be read';
  // The yaml package appends " at line L, column C:" and a source excerpt even without prettyErrors.
  return message.replace(/ at line \d+, column \d+:[\s\S]*$/, '');
}

