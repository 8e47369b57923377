// The offsets of keys and values in a YAML document, taken from the `yaml` package's node ranges.
import { isMap, isNode, isScalar, isSeq } from 'yaml';
import type { SourceNode } from './locate.js';

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
