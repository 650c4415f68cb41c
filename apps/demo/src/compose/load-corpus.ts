import { InMemorySearchAdapter } from '@dk/rag';
import type { InMemoryDocument } from '@dk/rag';
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

/**
 * Reads every `.md` file of `directory` and indexes its paragraphs into an in-memory BM25
 * adapter named `name`, reporting progress per file.
 */
export async function loadCorpus(
  directory: string,
  name: string,
  onProgress?: IndexProgress,
): Promise<InMemorySearchAdapter> {
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
  onProgress?.(0, files.length, '');
  for (const [index, file] of files.entries()) {
    adapter.add(paragraphs(file, await readFile(join(directory, file), 'utf8')));
    onProgress?.(index + 1, files.length, file);
  }
  return adapter;
}
