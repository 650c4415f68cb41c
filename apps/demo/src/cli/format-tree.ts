import type { TreeView } from '@dk/http';

function oneLine(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

/**
 * The conversation tree as indented text: `*` marks the active path, `>` the cursor, and
 * each line shows the node id, role and the start of the text.
 */
export function formatTree(tree: TreeView, width = 60): string {
  const children = new Map<string | null, TreeView['nodes'][number][]>();
  for (const node of tree.nodes) {
    const list = children.get(node.parentId) ?? [];
    list.push(node);
    children.set(node.parentId, list);
  }
  const lines: string[] = [];
  const visit = (parentId: string | null, depth: number): void => {
    for (const node of children.get(parentId) ?? []) {
      const marker = node.id === tree.currentNodeId ? '>' : node.active ? '*' : ' ';
      const label = node.id === '' ? '(root)' : node.id;
      const flags = [
        node.branchName === null ? '' : ` [${node.branchName}]`,
        node.editedFrom === null ? '' : ` (edit of ${node.editedFrom})`,
        node.interrupted ? ' (interrupted)' : '',
      ].join('');
      lines.push(`${marker} ${'  '.repeat(depth)}${label} ${node.role}: ${oneLine(node.text, width)}${flags}`);
      visit(node.id, depth + 1);
    }
  };
  visit(null, 0);
  return lines.join('\n');
}
