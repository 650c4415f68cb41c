import { useEffect, useRef, useState } from 'react';
import { api } from './api.ts';
import type { TreeNode, TreeView } from './api.ts';

function preview(node: TreeNode): string {
  if (node.role === 'tool') return `${node.toolName ?? 'tool'} result`;
  if (node.text === '' && node.toolCalls.length > 0)
    return `calls ${node.toolCalls.map((call) => call.name).join(', ')}`;
  const flat = node.text.replace(/\s+/g, ' ').trim();
  return flat.length > 60 ? `${flat.slice(0, 59)}…` : flat;
}

/** The whole conversation tree: the active path marked; choosing a node shows it and what followed. */
export function TreeDrawer({
  open,
  conversationId,
  version,
  onClose,
  onSelect,
}: {
  readonly open: boolean;
  readonly conversationId: string;
  readonly version: number;
  readonly onClose: () => void;
  readonly onSelect: (nodeId: string) => void;
}) {
  const [tree, setTree] = useState<TreeView | undefined>(undefined);
  useEffect(() => {
    if (!open) return;
    api.tree(conversationId).then(setTree, () => setTree(undefined));
  }, [open, conversationId, version]);
  // Keyboard: the opened drawer takes the focus (once, when it opens), Escape closes it.
  const closeRef = useRef(onClose);
  closeRef.current = onClose;
  useEffect(() => {
    if (!open) return;
    document.querySelector<HTMLElement>('#tree-drawer .icon-button')?.focus();
    const close = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') closeRef.current();
    };
    window.addEventListener('keydown', close);
    return () => window.removeEventListener('keydown', close);
  }, [open]);
  if (!open) return null;
  const children = new Map<string | null, TreeNode[]>();
  for (const node of tree?.nodes ?? []) {
    const list = children.get(node.parentId) ?? [];
    list.push(node);
    children.set(node.parentId, list);
  }
  const render = (parentId: string | null): React.ReactNode => {
    const nodes = children.get(parentId);
    if (nodes === undefined) return null;
    return (
      <ul role={parentId === null ? 'tree' : 'group'}>
        {nodes.map((node) => (
          <li
            key={node.id}
            role="treeitem"
            aria-selected={node.id === tree?.currentNodeId}
            aria-expanded={children.has(node.id) ? true : undefined}
          >
            <button
              type="button"
              className={`tree-node ${node.role}${node.active ? ' active' : ''}${node.id === tree?.currentNodeId ? ' cursor' : ''}`}
              data-node-id={node.id}
              onClick={() => onSelect(node.id)}
            >
              <span className="tree-role">{node.role}</span> {preview(node)}
              {node.interrupted && <span className="muted"> (stopped)</span>}
            </button>
            {render(node.id)}
          </li>
        ))}
      </ul>
    );
  };
  return (
    <aside id="tree-drawer" className="tree-drawer" aria-label="Conversation tree">
      <div className="drawer-head">
        <h2>Tree</h2>
        <button type="button" className="icon-button" aria-label="Close the tree" onClick={onClose}>
          ✕
        </button>
      </div>
      <p className="muted small">
        Every edit and regeneration is a branch. Choose a message to show it and what followed it.
      </p>
      {tree === undefined ? <p role="status">Loading…</p> : render(null)}
    </aside>
  );
}
