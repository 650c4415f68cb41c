import { randomBytes } from 'node:crypto';

/**
 * Marks the start of template lines that begin with an optional section. Random per
 * process, so no param value or retrieved text can forge it.
 */
const marker = `\u0000dk-section-line-${randomBytes(6).toString('hex')}\u0000`;

const sectionLine = /^[ \t]*\(\(/;

const variablePattern = /(?<!\\)\{\{\s*([^{}\s]+)\s*\}\}/g;

/** The outcome of {@link markSectionLines}. */
interface MarkedSectionLines {
  /** The template with markers; the input itself when no line begins with a section. */
  readonly template: string;
  readonly marked: boolean;
  /**
   * Variables written on the marked lines; while all of them have a value no marked line
   * can render blank. `undefined` when a section on them spans several lines: then any
   * variable may matter.
   */
  readonly variables: readonly string[] | undefined;
}

/**
 * Puts a marker before every line of `template` that begins (after indentation) with an
 * unescaped optional section `((…))`. Returns the template unchanged when there is none.
 */
export function markSectionLines(template: string): MarkedSectionLines {
  if (!template.includes('((')) return { template, marked: false, variables: [] };
  let marked = false;
  let variables: string[] | undefined = [];
  const lines = template.split('\n').map((line) => {
    if (!sectionLine.test(line)) return line;
    marked = true;
    if (line.split('((').length !== line.split('))').length) variables = undefined;
    for (const match of line.matchAll(variablePattern)) variables?.push(match[1]!);
    return marker + line;
  });
  return marked ? { template: lines.join('\n'), marked, variables } : { template, marked, variables: [] };
}

function isBlank(line: string): boolean {
  return line.trim() === '';
}

/**
 * Removes the markers of {@link markSectionLines} from rendered text. A marked line that
 * rendered blank (its sections were dropped) is removed together with the blank lines that
 * separated it from its neighbours: a run of blank and dropped lines between two lines of
 * text keeps only its longest stretch of blank lines (what the text would be had the line
 * never been written), and at the start or end of the text it disappears. Other blank lines
 * are left as written.
 */
export function removeDroppedSectionLines(content: string): string {
  let at = content.indexOf(marker);
  if (at === -1) return content;
  // Fast path: every marked line kept some text, so only the markers go.
  let blank = false;
  for (; at !== -1 && !blank; at = content.indexOf(marker, at + marker.length)) {
    const end = content.indexOf('\n', at);
    blank = isBlank(content.slice(at + marker.length, end === -1 ? content.length : end));
  }
  if (!blank) return content.replaceAll(marker, '');
  const lines = content.split('\n');
  const dropped: boolean[] = [];
  let anyDropped = false;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const at = line.indexOf(marker);
    if (at === -1) {
      dropped.push(false);
      continue;
    }
    const text = line.split(marker).join('');
    lines[index] = text;
    const empty = isBlank(text);
    dropped.push(empty);
    if (empty) anyDropped = true;
  }
  if (!anyDropped) return lines.join('\n');
  // The empty string after a final newline is not a line of its own.
  const endsWithNewline = lines.length > 1 && lines.at(-1) === '' && !dropped.at(-1);
  const count = endsWithNewline ? lines.length - 1 : lines.length;
  const kept: string[] = [];
  let index = 0;
  while (index < count) {
    if (!dropped[index] && !isBlank(lines[index]!)) {
      kept.push(lines[index]!);
      index++;
      continue;
    }
    // A run of blank and dropped lines.
    const start = index;
    let hasDropped = false;
    let best: string[] = [];
    let stretch: string[] = [];
    for (; index < count && (dropped[index] || isBlank(lines[index]!)); index++) {
      if (dropped[index]) {
        hasDropped = true;
        if (stretch.length > best.length) best = stretch;
        stretch = [];
      } else {
        stretch.push(lines[index]!);
      }
    }
    if (stretch.length > best.length) best = stretch;
    if (!hasDropped) {
      kept.push(...lines.slice(start, index));
    } else if (start > 0 && index < count) {
      kept.push(...best);
    }
  }
  return kept.join('\n') + (endsWithNewline ? '\n' : '');
}
