const maxLength = 64;

/** FNV-1a, as 8 hex digits: a short, stable tag for a name that had to be cut. */
function hashTag(text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

function fit(base: string, suffix: string): string {
  return base.slice(0, maxLength - suffix.length) + suffix;
}

/**
 * dk names for a server's tools, in the server's order: `prefix` + the MCP name with every
 * character outside `[A-Za-z0-9_-]` replaced by `_` (MCP allows `.` and `/`, the model
 * vendors do not). A name longer than 64 characters is cut and tagged with a hash of the
 * original; a name already taken gets `_2`, `_3`…
 */
export function assignToolNames(mcpNames: readonly string[], prefix: string): ReadonlyMap<string, string> {
  const names = new Map<string, string>();
  const taken = new Set<string>();
  for (const mcpName of mcpNames) {
    if (names.has(mcpName)) continue;
    let base = `${prefix}${mcpName.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    if (base === prefix) base = `${prefix}tool`;
    if (base.length > maxLength) base = fit(base, `_${hashTag(mcpName)}`);
    let candidate = base;
    for (let count = 2; taken.has(candidate); count++) candidate = fit(base, `_${count}`);
    taken.add(candidate);
    names.set(mcpName, candidate);
  }
  return names;
}
