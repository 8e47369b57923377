// Finding where a path such as `jobs[2].health.interval` is written in the source text. The JSON5
// and YAML parsers hand back plain values without positions, so each format builds a small tree of
// offsets (`json5-tree.ts`, `yaml-tree.ts`) and this module walks it.
import type { DocumentPath, Position } from './errors.js';

/** The document's structure with the offset where each key and value starts. */
export type SourceNode =
  | { kind: 'object'; start: number; members: SourceMember[] }
  | { kind: 'array'; start: number; items: SourceNode[] }
  | { kind: 'scalar'; start: number };

export interface SourceMember {
  key: string;
  keyStart: number;
  value: SourceNode;
}

/**
 * Where `path` is written; a path that is not in the text (a missing key) resolves to its nearest
 * written ancestor. Undefined when the position cannot be known.
 */
export type Locator = (path: DocumentPath) => Position | undefined;

/** Members resolve to their key (where the eye looks for `interval:`), array items to their value. */
export function locatorFor(root: SourceNode, text: string): Locator {
  const positionAt = positionsIn(text);
  return (path) => {
    let node = root;
    let offset = root.start;
    for (const segment of path) {
      if (node.kind === 'object' && typeof segment === 'string') {
        // Both parsers keep the last of duplicate keys, so find the last one too.
        const member = node.members.filter((candidate) => candidate.key === segment).at(-1);
        if (member === undefined) break;
        offset = member.keyStart;
        node = member.value;
      } else if (node.kind === 'array' && typeof segment === 'number') {
        const item = node.items[segment];
        if (item === undefined) break;
        offset = item.start;
        node = item;
      } else {
        break;
      }
    }
    return positionAt(offset);
  };
}

/**
 * Line and column of an offset. Lines end at `\n` only, as both json5 and yaml count them (a `\r`
 * before it is at the end of the line, so it shifts nothing). Columns count UTF-16 code units.
 */
export function positionsIn(text: string): (offset: number) => { line: number; column: number } {
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if ((lineStarts[middle] as number) <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - (lineStarts[low] as number) + 1 };
  };
}

/**
 * Positions found in the rendered text, translated to the template the user wrote. Rendering can
 * move text, so a position is only reported as far as it can be trusted: the line when rendering
 * kept the number of lines, and the column as well when that line came through unchanged.
 */
export function throughTemplate(source: string, rendered: string): (position: Position | undefined) => Position | undefined {
  if (source === rendered) return (position) => position;
  const sourceLines = source.split('\n');
  const renderedLines = rendered.split('\n');
  if (sourceLines.length !== renderedLines.length) return () => undefined;
  return (position) => {
    if (position === undefined) return undefined;
    const unchanged = sourceLines[position.line - 1] === renderedLines[position.line - 1];
    return unchanged ? position : { line: position.line };
  };
}
