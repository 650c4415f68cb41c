import { isNodeId } from './node-id.js';

/**
 * The stored form of a dot-path node id: every run of two or more consecutive `0` segments is
 * written `0*N` (N the run's length, decimal), so `0.0.0.1.0.0` is stored as `0*3.1.0*2` and
 * the root `''` as `''`. A chat appends first children (position 0) one under the other, so
 * its cursor at depth 10,000 is `0*10000` (7 characters) instead of a 20,000-character path
 * rewritten by every turn; the size grows only with the number of branches taken (segments
 * other than 0). Public ids stay dot paths: stores encode on write and decode on read.
 *
 * A plain dot path is a valid stored form of itself (it has no `*`), so values written before
 * this encoding decode unchanged. {@link encodeStoredNodeId} writes maximal runs (a lone `0`
 * stays `0`), and {@link storedChildNodeId} keeps them maximal.
 */

/** The most levels a stored id may decode to: its dot path (2 characters a level) must fit in a string. */
const maxRun = 2 ** 27;

/** One segment of a stored id: a position (`0`, `12`) or a run of zeros (`0*N`, N ≥ 2). */
const segmentPattern = /^(?:0|[1-9]\d*|0\*[1-9]\d*)$/;

/** Thrown for a stored value that no encoding produced (a corrupted or foreign column value). */
function malformed(stored: string, reason: string): Error {
  const shown = stored.length > 60 ? `${stored.slice(0, 60)}…` : stored;
  return new Error(`stored node id "${shown}" is malformed: ${reason}`);
}

/**
 * The stored form of a dot-path node id (`0.0.0.1.0.0` → `0*3.1.0*2`); O(length of the id).
 *
 * @throws {Error} when `id` is not a dot-path node id (check with `isNodeId` first).
 */
export function encodeStoredNodeId(id: string): string {
  if (id === '') return '';
  const segments = id.split('.');
  const parts: string[] = [];
  let zeros = 0;
  const flush = () => {
    if (zeros === 1) parts.push('0');
    else if (zeros > 1) parts.push(`0*${zeros}`);
    zeros = 0;
  };
  for (const segment of segments) {
    if (segment === '0') {
      zeros += 1;
      continue;
    }
    if (!/^[1-9]\d*$/.test(segment)) throw new Error(`"${id.slice(0, 60)}" is not a dot-path node id`);
    flush();
    parts.push(segment);
  }
  flush();
  return parts.join('.');
}

/**
 * The dot-path id of a stored value (`0*3.1.0*2` → `0.0.0.1.0.0`); O(length of the id). Accepts
 * any mix of plain segments and runs, so plain dot paths stored before the encoding read back
 * unchanged.
 *
 * @throws {Error} for a value no encoding produces (an empty segment, a run `0*N` with N < 2,
 * leading zeros, other characters, more levels than a string can hold).
 */
export function decodeStoredNodeId(stored: string): string {
  if (stored === '') return '';
  // Fast path: a value without runs is already the dot path.
  if (!stored.includes('*')) {
    if (isNodeId(stored)) return stored;
    throw malformed(stored, 'it is neither a dot path nor one with runs of zeros');
  }
  const parts: string[] = [];
  // Levels of the dot path so far: bounded as a whole, not only per run, so a corrupted value
  // fails here rather than by exhausting memory.
  let levels = 0;
  for (const segment of stored.split('.')) {
    if (!segmentPattern.test(segment)) throw malformed(stored, `segment "${segment.slice(0, 20)}" is not a position`);
    if (!segment.startsWith('0*')) {
      levels += 1;
      parts.push(segment);
      continue;
    }
    const run = Number(segment.slice(2));
    if (run < 2 || run > maxRun) throw malformed(stored, `a run of zeros must have 2 to ${maxRun} segments`);
    levels += run;
    if (levels > maxRun) throw malformed(stored, `its dot path would have more than ${maxRun} levels`);
    parts.push(`${'0.'.repeat(run - 1)}0`);
  }
  return parts.join('.');
}

/**
 * The stored form of the child at `position` of the node stored as `parentStored`, in O(1):
 * only the last segment is looked at (`…0*k` + 0 → `…0*(k+1)`, `…0` + 0 → `…0*2`, `…x` + 0 →
 * `…x.0`, `…` + p → `….p`, `''` + p → `p`). Equals `encodeStoredNodeId(childNodeId(id, position))`
 * when `parentStored` is `encodeStoredNodeId(id)`.
 */
export function storedChildNodeId(parentStored: string, position: number): string {
  if (parentStored === '') return String(position);
  if (position !== 0) return `${parentStored}.${position}`;
  const dot = parentStored.lastIndexOf('.');
  const last = parentStored.slice(dot + 1);
  if (last === '0') return `${parentStored}*2`;
  if (last.startsWith('0*')) return `${parentStored.slice(0, dot + 1)}0*${Number(last.slice(2)) + 1}`;
  return `${parentStored}.0`;
}
