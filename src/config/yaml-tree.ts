// The offsets of keys and values in a YAML document, taken from the `yaml` package's node ranges,
// and the keys a config cannot have.
import { isAlias, isCollection, isMap, isNode, isPair, isScalar, isSeq, visit, type Document } from 'yaml';
import type { DocumentIssue } from './errors.js';
import type { SourceNode } from './locate.js';

/**
 * Keys that are mappings or sequences (`? [a, b]`): JavaScript would make one the string
 * "[ a, b ]" (and the yaml package say so on stderr), an env var of that name.
 */
export function collectionKeys(document: Document, positionAt: (offset: number) => { line: number; column: number }): DocumentIssue[] {
  const issues: DocumentIssue[] = [];
  // What each anchor names so far (visited in document order, as aliases resolve): an alias key
  // (`? *anchor`) is the node it names. A lookup per alias, not a search of the document.
  const anchored = new Map<string, unknown>();
  visit(document, (_, node) => {
    if (isNode(node) && node.anchor !== undefined) anchored.set(node.anchor, node);
    if (!isPair(node) || !isNode(node.key)) return;
    const key = isAlias(node.key) ? anchored.get(node.key.source) : node.key;
    if (isCollection(key)) {
      const kind = isSeq(key) ? 'a sequence' : 'a mapping';
      issues.push({ path: [], message: `a key must be a string, not ${kind}`, position: positionAt(node.key.range?.[0] ?? 0) });
    }
  });
  return issues;
}

/** `node` is a node of a parsed YAML document; `fallbackStart` is used where it has no range (an empty value). */
export function yamlTree(node: unknown, fallbackStart = 0): SourceNode {
  const start = (isNode(node) ? node.range?.[0] : undefined) ?? fallbackStart;
  if (isMap(node)) {
    return {
      kind: 'object',
      start,
      members: node.items.map((pair) => {
        const keyStart = (isNode(pair.key) ? pair.key.range?.[0] : undefined) ?? start;
        const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
        return { key, keyStart, value: yamlTree(pair.value, keyStart) };
      }),
    };
  }
  if (isSeq(node)) return { kind: 'array', start, items: node.items.map((item) => yamlTree(item, start)) };
  return { kind: 'scalar', start };
}
