import { InMemorySearchAdapter } from '@dk/rag';
import type { InMemoryDocument } from '@dk/rag';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DemoConfigError } from '../config/demo-config-error.js';

/** Progress of corpus indexing: `done` of `total` files. */
export type IndexProgress = (done: number, total: number, file: string) => void;

/** Splits a markdown file into paragraph documents (`file#n`), keeping the title in each. */
function paragraphs(file: string, text: string): InMemoryDocument[] {
  const blocks = text
    .split(/\n\s*\n/)
    .map((block) => block.trim())
    .filter((block) => block !== '');
  const title = blocks[0]?.startsWith('#') === true ? blocks[0].replace(/^#+\s*/, '') : file;
  return blocks
    .filter((block) => !block.startsWith('#'))
    .map((block, index) => ({
      id: `${file}#${index + 1}`,
      content: `${title}: ${block.replace(/\s+/g, ' ')}`,
      metadata: { source: file, title },
    }));
}

/** The indexed corpus and a fingerprint of its files (names and contents). */
export interface LoadedCorpus {
  readonly adapter: InMemorySearchAdapter;
  /** 16 hex digits that change whenever a file of the corpus does: a namespace for cached results. */
  readonly fingerprint: string;
}

/**
 * Reads every `.md` file of `directory` and indexes its paragraphs into an in-memory BM25
 * adapter named `name`, reporting progress per file.
 */
export async function loadCorpus(directory: string, name: string, onProgress?: IndexProgress): Promise<LoadedCorpus> {
  let files: string[];
  try {
    files = (await readdir(directory)).filter((file) => file.endsWith('.md')).sort();
  } catch (cause) {
    throw new DemoConfigError({
      key: 'rag.corpus',
      source: directory,
      problem: 'is not a readable directory',
      hint: 'Point rag.corpus at a folder of markdown files (relative to apps/demo).',
      cause,
    });
  }
  const adapter = new InMemorySearchAdapter({ name });
  const hash = createHash('sha256');
  onProgress?.(0, files.length, '');
  for (const [index, file] of files.entries()) {
    const text = await readFile(join(directory, file), 'utf8');
    hash.update(`${file}\u0000${text}\u0000`);
    adapter.add(paragraphs(file, text));
    onProgress?.(index + 1, files.length, file);
  }
  return { adapter, fingerprint: hash.digest('hex').slice(0, 16) };
}
