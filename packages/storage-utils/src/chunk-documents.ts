import { RagSearchError } from '@dk/spec';
import type { IndexOptions, SearchDocument } from '@dk/spec';
import { chunkText, resolveChunkingOptions } from './chunk-text.js';

/** One chunk of a {@link SearchDocument}, ready to store. */
export interface DocumentChunk {
  /** `<documentId>#<chunkIndex>`. */
  readonly id: string;
  readonly documentId: string;
  readonly chunkIndex: number;
  readonly content: string;
  /** The document's metadata plus `documentId` and `chunkIndex`. */
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** The chunks of one document. */
export interface ChunkedDocument {
  readonly documentId: string;
  readonly chunks: readonly DocumentChunk[];
}

/** The id of chunk `chunkIndex` of document `documentId`: `<documentId>#<chunkIndex>`. */
export function chunkId(documentId: string, chunkIndex: number): string {
  return `${documentId}#${chunkIndex}`;
}

function invalid(adapterName: string, message: string): RagSearchError {
  return new RagSearchError({ message, adapterName, code: 'RAG_INDEX_INVALID' });
}

function isJsonSafe(value: unknown, depth = 0): boolean {
  if (depth > 32) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isJsonSafe(item, depth + 1));
  if (typeof value === 'object') {
    const prototype = Object.getPrototypeOf(value) as unknown;
    if (prototype !== Object.prototype && prototype !== null) return false;
    return Object.values(value as Record<string, unknown>).every((item) => isJsonSafe(item, depth + 1));
  }
  return false;
}

/**
 * Checks documents and indexing options and splits every document into chunks, before an
 * adapter writes anything. Throws {@link RagSearchError} (`RAG_INDEX_INVALID`) for a missing
 * or non-string id or content, a duplicate id within the call, metadata that is not a plain
 * JSON-safe object, or bad chunking options. For adapter implementations.
 */
export function chunkDocuments(
  documents: readonly SearchDocument[],
  options: IndexOptions,
  adapterName: string,
): ChunkedDocument[] {
  if (!Array.isArray(documents)) {
    throw invalid(adapterName, 'index() takes an array of documents ({ id, content, metadata? }).');
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw invalid(adapterName, 'Index option onProgress must be a function.');
  }
  const chunking = options.chunking === false ? undefined : resolveChunkingOptions(options.chunking ?? {}, adapterName);
  const seen = new Set<string>();
  return documents.map((document: SearchDocument, position) => {
    if (document === null || typeof document !== 'object') {
      throw invalid(adapterName, `Document ${position} is not an object; give { id, content, metadata? }.`);
    }
    const { id, content, metadata } = document;
    if (typeof id !== 'string' || id.trim() === '') {
      throw invalid(adapterName, `Document ${position} needs a non-empty string \`id\` (its stable id in the source).`);
    }
    if (seen.has(id))
      throw invalid(adapterName, `Document id "${id}" appears twice in one index() call; give each document once.`);
    seen.add(id);
    if (typeof content !== 'string') throw invalid(adapterName, `Document "${id}" needs a string \`content\`.`);
    if (
      metadata !== undefined &&
      (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata) || !isJsonSafe(metadata))
    ) {
      throw invalid(
        adapterName,
        `Document "${id}" has metadata that is not a plain object of JSON-safe values (strings, finite numbers, booleans, null, arrays, objects).`,
      );
    }
    const texts = chunking === undefined ? (content.trim() === '' ? [] : [content]) : chunkText(content, chunking);
    return {
      documentId: id,
      chunks: texts.map((text, chunkIndex) => ({
        id: chunkId(id, chunkIndex),
        documentId: id,
        chunkIndex,
        content: text,
        metadata: { ...metadata, documentId: id, chunkIndex },
      })),
    };
  });
}

/**
 * Runs `write` over the chunked documents in batches of `batchSize` documents, checking
 * `signal` before each batch and reporting progress after it. For adapter implementations:
 * `write` must replace each document's chunks atomically.
 */
export async function indexInBatches(
  chunked: readonly ChunkedDocument[],
  options: IndexOptions,
  batchSize: number,
  write: (batch: readonly ChunkedDocument[]) => Promise<void> | void,
): Promise<{ documents: number; chunks: number }> {
  let documentsIndexed = 0;
  let chunksIndexed = 0;
  for (let start = 0; start < chunked.length; start += batchSize) {
    options.signal?.throwIfAborted();
    const batch = chunked.slice(start, start + batchSize);
    await write(batch);
    documentsIndexed += batch.length;
    for (const document of batch) chunksIndexed += document.chunks.length;
    options.onProgress?.({ documentsIndexed, documentsTotal: chunked.length, chunksIndexed });
  }
  return { documents: documentsIndexed, chunks: chunksIndexed };
}
