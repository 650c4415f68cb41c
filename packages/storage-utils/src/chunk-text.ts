import { RagSearchError } from '@dk/spec';
import type { ChunkingOptions } from '@dk/spec';

/** Chunking options with defaults applied. */
export interface ResolvedChunkingOptions {
  readonly maxChars: number;
  readonly overlapChars: number;
}

/** Default largest chunk, in characters. */
export const defaultChunkMaxChars = 1000;
/** Default overlap between consecutive chunks, in characters. */
export const defaultChunkOverlapChars = 100;

/**
 * Applies the defaults of {@link ChunkingOptions} and checks ranges; `adapterName` names the
 * adapter in the {@link RagSearchError} (`RAG_INDEX_INVALID`) thrown for bad values.
 */
export function resolveChunkingOptions(options: ChunkingOptions, adapterName: string): ResolvedChunkingOptions {
  const maxChars = options.maxChars ?? defaultChunkMaxChars;
  const overlapChars = options.overlapChars ?? Math.min(defaultChunkOverlapChars, Math.floor(maxChars / 4));
  if (!Number.isInteger(maxChars) || maxChars < 50) {
    throw new RagSearchError({
      message: `Chunking maxChars must be an integer ≥ 50, got ${String(maxChars)}. Leave it unset for ${defaultChunkMaxChars}.`,
      adapterName,
      code: 'RAG_INDEX_INVALID',
    });
  }
  if (!Number.isInteger(overlapChars) || overlapChars < 0 || overlapChars * 2 >= maxChars) {
    throw new RagSearchError({
      message: `Chunking overlapChars must be an integer ≥ 0 and less than half of maxChars (${maxChars}), got ${String(overlapChars)}.`,
      adapterName,
      code: 'RAG_INDEX_INVALID',
    });
  }
  return { maxChars, overlapChars };
}

const paragraphBreak = /\n[ \t]*\n/;

/** Cuts `text` (longer than `limit`) at the last sentence end, else the last space, else hard. */
function cutPoint(text: string, limit: number): number {
  const window = text.slice(0, limit + 1);
  const minimum = Math.floor(limit / 2);
  for (const pattern of [/[.!?。！？]\s+/g, /\s+/g]) {
    let best = -1;
    for (const match of window.matchAll(pattern)) {
      const end = match.index + match[0].length;
      if (end <= limit && match.index >= minimum) best = end;
    }
    if (best > 0) return best;
  }
  // Never split a surrogate pair.
  const code = text.charCodeAt(limit - 1);
  return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
}

/** Pieces of at most `limit` characters covering `paragraph`, cut at sentence or word ends. */
function splitLong(paragraph: string, limit: number): string[] {
  const pieces: string[] = [];
  let rest = paragraph;
  while (rest.length > limit) {
    const cut = cutPoint(rest, limit);
    pieces.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trimStart();
  }
  if (rest.trim() !== '') pieces.push(rest.trim());
  return pieces.filter((piece) => piece !== '');
}

/** The last at most `overlap` characters of `text`, starting at a word boundary. */
function tail(text: string, overlap: number): string {
  if (overlap === 0 || text.length === 0) return '';
  if (text.length <= overlap) return text;
  const start = text.length - overlap;
  const space = text.slice(start).search(/\s/);
  if (space < 0) return '';
  return text.slice(start + space).trim();
}

/**
 * Splits text into chunks: paragraphs (blank-line separated) packed greedily into chunks of
 * at most `maxChars`, over-long paragraphs cut at sentence then word boundaries, and each
 * chunk after the first prefixed with up to `overlapChars` characters from the end of the
 * previous one. Deterministic: the same input always gives the same chunks. Empty or
 * whitespace-only text gives no chunks.
 */
export function chunkText(text: string, options: ResolvedChunkingOptions): string[] {
  const { maxChars, overlapChars } = options;
  const budget = maxChars - overlapChars - 1;
  const pieces: string[] = [];
  for (const paragraph of text.split(paragraphBreak)) {
    const trimmed = paragraph.trim();
    if (trimmed === '') continue;
    if (trimmed.length <= budget) pieces.push(trimmed);
    else pieces.push(...splitLong(trimmed, budget));
  }
  const bodies: string[] = [];
  let current = '';
  for (const piece of pieces) {
    if (current === '') current = piece;
    else if (current.length + 2 + piece.length <= budget) current = `${current}\n\n${piece}`;
    else {
      bodies.push(current);
      current = piece;
    }
  }
  if (current !== '') bodies.push(current);
  return bodies.map((body, index) => {
    if (index === 0) return body;
    const overlap = tail(bodies[index - 1]!, overlapChars);
    return overlap === '' ? body : `${overlap} ${body}`;
  });
}
