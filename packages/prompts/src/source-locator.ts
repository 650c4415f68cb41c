import { isMap, isScalar, isSeq } from 'yaml';
import type { Document, Node } from 'yaml';

/** A 1-based position in a file. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** Maps field paths and template positions of one parsed YAML/JSON document to file positions. */
export interface SourceLocator {
  /** Position of the value at `path` (or of its key with `key: true`); the nearest existing ancestor if absent. */
  locate(path: readonly (string | number)[], options?: { readonly key?: boolean }): SourcePosition | undefined;
  /**
   * Position in the file of a `line`/`column` (1-based) inside the string value at `path`,
   * e.g. a template syntax error. Exact for literal block scalars (`|`); for other styles
   * the spot is found by searching the scalar's source text, falling back to its start.
   */
  locateInString(
    path: readonly (string | number)[],
    within: { readonly line: number; readonly column: number; readonly offset: number },
    value: string,
  ): SourcePosition | undefined;
}

/** A locator for documents that have no source text (in-memory config libraries). */
export const noSourceLocator: SourceLocator = {
  locate: () => undefined,
  locateInString: () => undefined,
};

/**
 * The 1-based line and column of an offset in `text`. The line starts are found on the
 * first call only, so a file without problems never pays for them.
 */
export function createPositionFinder(text: string): (offset: number) => SourcePosition {
  let starts: number[] | undefined;
  return (offset) => {
    if (!starts) {
      starts = [0];
      for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
    }
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - starts[low]! + 1 };
  };
}

/** Creates the locator of a parsed document; `position` maps offsets in `text` to positions. */
export function createSourceLocator(
  text: string,
  document: Document,
  position: (offset: number) => SourcePosition,
): SourceLocator {
  const find = (path: readonly (string | number)[], key: boolean): { node: Node | undefined; exact: boolean } => {
    let node = document.contents as Node | null;
    let keyNode: Node | undefined;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => (isScalar(item.key) ? String(item.key.value) : String(item.key)) === String(segment),
        );
        if (!pair) return { node: node, exact: false };
        keyNode = (pair.key as Node | null) ?? undefined;
        node = (pair.value as Node | null) ?? keyNode ?? node;
      } else if (isSeq(node)) {
        const item = node.items[Number(segment)] as Node | undefined;
        if (!item) return { node: node, exact: false };
        keyNode = undefined;
        node = item;
      } else {
        return { node: node ?? undefined, exact: false };
      }
    }
    return { node: key && keyNode ? keyNode : (node ?? undefined), exact: true };
  };

  return {
    locate(path, options) {
      const { node } = find(path, options?.key === true);
      return node?.range ? position(node.range[0]) : { line: 1, column: 1 };
    },
    locateInString(path, within, value) {
      const { node, exact } = find(path, false);
      if (!node?.range || !exact || !isScalar(node)) return node?.range ? position(node.range[0]) : undefined;
      const [start, end] = node.range;
      if (node.type === 'BLOCK_LITERAL') {
        const header = position(start);
        const contentStart = text.indexOf('\n', start) + 1;
        // An explicit indentation indicator (`|2`) counts from the indentation of the header's line.
        const indicator = /^\|[+-]?(\d)|^\|(\d)/.exec(text.slice(start, contentStart));
        const digit = indicator?.[1] ?? indicator?.[2];
        const headerLineStart = text.lastIndexOf('\n', start) + 1;
        const indent = digit
          ? leadingSpaces(text, headerLineStart) + Number(digit)
          : blockIndent(text, contentStart, end);
        return { line: header.line + within.line, column: indent + within.column };
      }
      // Other styles fold or escape the text: find the text at the problem in the source.
      const lineEnd = value.indexOf('\n', within.offset);
      const needle = value.slice(within.offset, Math.min(lineEnd === -1 ? value.length : lineEnd, within.offset + 24));
      const source = text.slice(start, end);
      if (needle.length > 0) {
        let occurrence = 0;
        for (let at = value.indexOf(needle); at !== -1 && at < within.offset; at = value.indexOf(needle, at + 1))
          occurrence++;
        let found = -1;
        for (let count = 0; count <= occurrence; count++) {
          const next = source.indexOf(needle, found + 1);
          if (next === -1) break;
          found = next;
        }
        if (found !== -1) return position(start + found);
      }
      return position(start);
    },
  };
}

function blockIndent(text: string, from: number, end: number): number {
  let lineStart = from;
  while (lineStart < end) {
    let column = lineStart;
    while (text[column] === ' ') column++;
    if (text[column] !== '\n' && text[column] !== '\r' && column < text.length) return column - lineStart;
    const next = text.indexOf('\n', lineStart);
    if (next === -1) break;
    lineStart = next + 1;
  }
  return 0;
}

function leadingSpaces(text: string, from: number): number {
  let column = from;
  while (text[column] === ' ') column++;
  return column - from;
}
