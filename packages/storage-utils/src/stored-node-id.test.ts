import { describe, expect, it } from 'vitest';
import { childNodeId, isNodeId } from './node-id.js';
import { decodeStoredNodeId, encodeStoredNodeId, storedChildNodeId } from './stored-node-id.js';

/** A small deterministic generator (mulberry32), so a failure names a reproducible seed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random dot path: mostly zeros (long runs), sometimes positions 1–9 or ≥ 10, sometimes the root. */
function randomPath(next: () => number): string {
  if (next() < 0.05) return '';
  const segments: number[] = [];
  const runs = 1 + Math.floor(next() * 6);
  for (let run = 0; run < runs; run += 1) {
    const kind = next();
    const length = kind < 0.3 ? 1 : kind < 0.6 ? 2 + Math.floor(next() * 5) : 1 + Math.floor(next() * 3000);
    for (let index = 0; index < length; index += 1) segments.push(0);
    const position = next();
    if (position < 0.4) segments.push(1 + Math.floor(next() * 9));
    else if (position < 0.8) segments.push(10 + Math.floor(next() * 100_000));
  }
  return segments.join('.');
}

/**
 * Whether `stored` is in the form the encoder writes: runs maximal (no zero segment, `0` or
 * `0*N`, next to another) and no run of one (`0*1`).
 */
function isMaximal(stored: string): boolean {
  const zero = (segment: string | undefined) => segment === '0' || segment?.startsWith('0*') === true;
  const segments = stored.split('.');
  return segments.every((segment, index) => segment !== '0*1' && !(zero(segment) && zero(segments[index + 1])));
}

describe('encodeStoredNodeId / decodeStoredNodeId', () => {
  it.each([
    ['', ''],
    ['0', '0'],
    ['7', '7'],
    ['12', '12'],
    ['0.0', '0*2'],
    ['0.0.0.1.0.0', '0*3.1.0*2'],
    ['0.1.0', '0.1.0'],
    ['10.0.0.100', '10.0*2.100'],
    ['3.0.0.0.0.0.0.0.0.0.0.0.0', '3.0*12'],
  ])('%j is stored as %j', (id, stored) => {
    expect(encodeStoredNodeId(id)).toBe(stored);
    expect(decodeStoredNodeId(stored)).toBe(id);
  });

  it('stores a 10,000-level chat cursor in 7 characters', () => {
    const id = Array.from({ length: 10_000 }, () => '0').join('.');
    expect(encodeStoredNodeId(id)).toBe('0*10000');
    expect(decodeStoredNodeId('0*10000')).toBe(id);
  });

  it('round-trips random paths (long runs, positions ≥ 10, root, single segments)', () => {
    for (const seed of [1, 2, 3]) {
      const next = random(seed);
      for (let index = 0; index < 2000; index += 1) {
        const id = randomPath(next);
        expect(isNodeId(id)).toBe(true);
        const stored = encodeStoredNodeId(id);
        expect(isMaximal(stored), stored).toBe(true);
        expect(decodeStoredNodeId(stored)).toBe(id);
      }
    }
  });

  it('decodes plain dot paths, as stored before the encoding, unchanged', () => {
    for (const id of ['', '0', '0.0', '0.0.0.1.0.0', '5.10.0.0']) expect(decodeStoredNodeId(id)).toBe(id);
    // And mixed forms (a plain path extended with a run).
    expect(decodeStoredNodeId('0.0*2')).toBe('0.0.0');
  });

  it.each(['0.0', '0.0.0', '0*2', '0*3.1', '1.0*2.0', '0.0*2', '0*2.0.0', '0*2.0*3.5.0.0'])(
    'tells the maximal form from %j (the test helper)',
    (stored) => {
      expect(isMaximal(stored)).toBe(['0*2', '0*3.1'].includes(stored));
    },
  );

  it.each([
    ['0.0*2', '0*3'],
    ['0*2.0', '0*3'],
    ['0*2.0*3', '0*5'],
    ['0.0.0*2.1.0*2.0', '0*4.1.0*3'],
    ['7.0.0*9', '7.0*10'],
  ])('decodes the non-maximal %j (a plain path extended by runs) and re-encodes it as %j', (stored, maximal) => {
    const id = decodeStoredNodeId(stored);
    expect(id).toBe(decodeStoredNodeId(maximal));
    expect(encodeStoredNodeId(id)).toBe(maximal);
  });

  it.each([
    '.',
    '0.',
    '.0',
    '0..1',
    '01',
    '0*',
    '0*1',
    '0*0',
    '0*02',
    '1*3',
    '0*2*2',
    'a',
    '0*-2',
    ' 0',
    '0*3.',
    '0*1e3',
  ])('rejects the malformed stored value %j', (stored) => {
    expect(() => decodeStoredNodeId(stored)).toThrow(/stored node id .* is malformed/);
  });

  it('rejects a run too long for any dot path', () => {
    expect(() => decodeStoredNodeId('0*999999999999')).toThrow(/is malformed: a run of zeros/);
  });

  it('bounds the levels of all runs together, so a corrupted value fails before allocating', () => {
    expect(() => decodeStoredNodeId('0*134217728.0*134217728')).toThrow(
      /is malformed: its dot path would have more than/,
    );
  });

  it.each(['.', '0.', '01', '0*2', 'x'])('refuses to encode %j, which is not a node id', (id) => {
    expect(() => encodeStoredNodeId(id)).toThrow(/is not a dot-path node id/);
  });
});

describe('storedChildNodeId', () => {
  it.each([
    ['', 0, '0'],
    ['', 12, '12'],
    ['0', 0, '0*2'],
    ['0', 3, '0.3'],
    ['0*2', 0, '0*3'],
    ['0*9', 0, '0*10'],
    ['0*99', 0, '0*100'],
    ['0*3.1', 0, '0*3.1.0'],
    ['0*3.1.0', 0, '0*3.1.0*2'],
    ['0*3.10', 0, '0*3.10.0'],
    ['0*3', 11, '0*3.11'],
    ['20', 0, '20.0'],
  ])('the child of %j at %i is stored as %j', (parent, position, stored) => {
    expect(storedChildNodeId(parent, position)).toBe(stored);
  });

  it('equals the encoding of the child id for random parents and positions', () => {
    const next = random(7);
    for (let index = 0; index < 3000; index += 1) {
      const parent = randomPath(next);
      const position = next() < 0.6 ? 0 : next() < 0.5 ? 1 + Math.floor(next() * 9) : 10 + Math.floor(next() * 1000);
      expect(storedChildNodeId(encodeStoredNodeId(parent), position)).toBe(
        encodeStoredNodeId(childNodeId(parent, position)),
      );
    }
  });

  it('follows a chat turn by turn, with branches, in step with the dot path', () => {
    const next = random(11);
    let id = '';
    let stored = '';
    for (let turn = 0; turn < 5000; turn += 1) {
      const position = next() < 0.97 ? 0 : 1 + Math.floor(next() * 15);
      id = childNodeId(id, position);
      stored = storedChildNodeId(stored, position);
      if (turn % 250 === 0) expect(stored).toBe(encodeStoredNodeId(id));
    }
    expect(stored).toBe(encodeStoredNodeId(id));
    expect(decodeStoredNodeId(stored)).toBe(id);
    expect(stored.length).toBeLessThan(id.length / 5); // ~150 branches in 5,000 turns
  });
});
