const nodeIdPattern = /^(?:0|[1-9]\d*)(?:\.(?:0|[1-9]\d*))*$/;

/** True when `id` is a well-formed dot-path node id (`""`, `"0"`, `"0.12"`, …). */
export function isNodeId(id: unknown): id is string {
  return typeof id === 'string' && (id === '' || nodeIdPattern.test(id));
}

/** The id of the child at `position` under `parentId` (`""` → `"0"`, `"0"` → `"0.0"`). */
export function childNodeId(parentId: string, position: number): string {
  return parentId === '' ? String(position) : `${parentId}.${position}`;
}

/** The parent id of a node id, or `null` for the root (`"0.1"` → `"0"`, `"0"` → `""`). */
export function parentNodeId(id: string): string | null {
  if (id === '') return null;
  const dot = id.lastIndexOf('.');
  return dot === -1 ? '' : id.slice(0, dot);
}

/** The position of a node among its siblings: the last segment of its id (0 for the root). */
export function nodePosition(id: string): number {
  if (id === '') return 0;
  return Number(id.slice(id.lastIndexOf('.') + 1));
}
