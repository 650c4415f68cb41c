function codePointRank(unit: number): number {
  // Surrogates (astral characters) sort after U+E000–U+FFFF in code point order.
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/**
 * Compares strings by Unicode code point (the byte order of their UTF-8 encoding), the
 * order SQLite's BINARY and PostgreSQL's "C" collations use. Returns -1, 0 or 1.
 */
export function compareText(left: string, right: string): number {
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index += 1) {
    const a = left.charCodeAt(index);
    const b = right.charCodeAt(index);
    if (a !== b) return codePointRank(a) < codePointRank(b) ? -1 : 1;
  }
  return left.length === right.length ? 0 : left.length < right.length ? -1 : 1;
}
