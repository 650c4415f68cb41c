import { describe, expect, it } from 'vitest';
import { assignToolNames } from './assign-tool-names.js';

const valid = /^[A-Za-z0-9_-]{1,64}$/;

describe('assignToolNames', () => {
  it('prefixes names and replaces characters the vendors refuse', () => {
    const names = assignToolNames(['echo', 'files/read.v2', 'get-sum'], 'mcp_');
    expect([...names]).toEqual([
      ['echo', 'mcp_echo'],
      ['files/read.v2', 'mcp_files_read_v2'],
      ['get-sum', 'mcp_get-sum'],
    ]);
  });

  it('keeps names unique and within 64 characters', () => {
    const long = 'a'.repeat(60) + '.one';
    const longToo = 'a'.repeat(60) + '.two';
    const names = assignToolNames(['a.b', 'a_b', 'a-b', long, longToo, ''], 'p_');
    const values = [...names.values()];
    expect(values.slice(0, 3)).toEqual(['p_a_b', 'p_a_b_2', 'p_a-b']);
    expect(new Set(values).size).toBe(values.length);
    expect(values.every((name) => valid.test(name))).toBe(true);
    expect(names.get(long)).not.toBe(names.get(longToo));
    expect(names.get('')).toBe('p_tool');
    // Stable: the same listing gives the same names.
    expect([...assignToolNames(['a.b', 'a_b', 'a-b', long, longToo, ''], 'p_')]).toEqual([...names]);
  });
});
