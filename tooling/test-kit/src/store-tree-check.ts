import type { ConversationNode } from '@dk/spec';
import { expect } from 'vitest';

/**
 * Asserts the tree invariants of a conversation's nodes (as `load` returns them): ids are
 * unique, there is exactly one root `""`, every parent exists and precedes its children,
 * each id is the parent's id plus the node's position, and sibling positions are 0…n-1.
 */
export function checkTree(nodes: readonly ConversationNode[]): void {
  const seen = new Map<string, ConversationNode>();
  const childCounts = new Map<string, number[]>();
  for (const node of nodes) {
    expect(seen.has(node.id), `duplicate node id "${node.id}"`).toBe(false);
    if (node.parentId === null) {
      expect(node.id, 'the root must have id ""').toBe('');
      expect(node.position).toBe(0);
    } else {
      expect(seen.has(node.parentId), `parent "${node.parentId}" of "${node.id}" must precede it`).toBe(true);
      expect(node.id).toBe(node.parentId === '' ? String(node.position) : `${node.parentId}.${node.position}`);
      childCounts.set(node.parentId, [...(childCounts.get(node.parentId) ?? []), node.position]);
    }
    seen.set(node.id, node);
  }
  if (nodes.length > 0) expect(nodes.filter((node) => node.parentId === null)).toHaveLength(1);
  for (const [parentId, positions] of childCounts) {
    const sorted = [...positions].sort((a, b) => a - b);
    expect(sorted, `children of "${parentId}" must have positions 0…n-1`).toEqual(sorted.map((_, index) => index));
  }
}
