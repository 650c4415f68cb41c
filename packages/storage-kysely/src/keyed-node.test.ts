import { childNodeId, encodeStoredNodeId } from '@dk/storage-utils';
import { describe, expect, it } from 'vitest';
import { keyedChild, keyedNode, LastAppendedNodes } from './keyed-node.js';
import { nodeKey } from './node-key.js';

describe('keyedChild', () => {
  it('derives the key and stored cursor of each child as computed from its whole id', () => {
    let node = keyedNode('');
    expect(node).toMatchObject({ id: '', key: nodeKey(''), stored: '' });
    // A chat with a few branches, some at positions of two digits and under the root.
    const positions = [
      0,
      3,
      0,
      0,
      12,
      0,
      0,
      0,
      1,
      0,
      ...Array.from({ length: 300 }, (_, index) => (index % 97 === 0 ? 2 : 0)),
    ];
    for (const position of positions) {
      const id = childNodeId(node.id, position);
      node = keyedChild(node, position);
      expect(node.id).toBe(id);
      expect(node.key.equals(nodeKey(id))).toBe(true);
      expect(node.stored).toBe(encodeStoredNodeId(id));
      // Siblings derived from the same parent state do not disturb it.
      expect(keyedChild(node, 5).key.equals(nodeKey(childNodeId(id, 5)))).toBe(true);
    }
    expect(keyedNode(node.id).key.equals(node.key)).toBe(true);
  });
});

describe('LastAppendedNodes', () => {
  it('returns the remembered node, keys any other id from scratch, and has no key for a malformed id', () => {
    const nodes = new LastAppendedNodes();
    const last = keyedChild(keyedChild(keyedNode(''), 0), 0);
    nodes.remember('c', last);
    expect(nodes.parent('c', '0.0')).toBe(last);
    expect(nodes.parent('c', '0')).toMatchObject({ id: '0', stored: '0' });
    expect(nodes.parent('c', '0')!.key.equals(nodeKey('0'))).toBe(true);
    expect(nodes.parent('other', '0.0')).not.toBe(last);
    expect(nodes.parent('c', '0.x')).toBeUndefined();
    expect(nodes.parent('c', '0*2')).toBeUndefined();
  });

  it('forgets the least recently written of more than 256 conversations', () => {
    const nodes = new LastAppendedNodes();
    const root = keyedNode('');
    for (let index = 0; index <= 256; index += 1) nodes.remember(`c${index}`, root);
    expect(nodes.parent('c0', '')).not.toBe(root);
    expect(nodes.parent('c1', '')).toBe(root);
    expect(nodes.parent('c256', '')).toBe(root);
  });
});
