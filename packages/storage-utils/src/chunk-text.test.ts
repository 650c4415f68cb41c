import { RagSearchError } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { chunkDocuments } from './chunk-documents.js';
import { chunkText, resolveChunkingOptions } from './chunk-text.js';

const words = (count: number, prefix = 'w') =>
  Array.from({ length: count }, (_, index) => `${prefix}${index}`).join(' ');

describe('chunkText', () => {
  it('packs paragraphs greedily and never exceeds maxChars', () => {
    const paragraphs = Array.from({ length: 10 }, (_, index) => `Paragraph ${index}. ${words(8, `p${index}x`)}`);
    const options = { maxChars: 200, overlapChars: 30 };
    const chunks = chunkText(paragraphs.join('\n\n'), options);
    expect(chunks.length).toBeGreaterThan(2);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(200);
    // Every paragraph survives intact in some chunk.
    for (const paragraph of paragraphs) expect(chunks.some((chunk) => chunk.includes(paragraph))).toBe(true);
  });

  it('repeats the end of the previous chunk, starting at a word boundary', () => {
    const text = [words(20, 'a'), words(20, 'b'), words(20, 'c')].join('\n\n');
    const chunks = chunkText(text, { maxChars: 150, overlapChars: 40 });
    expect(chunks.length).toBeGreaterThan(1);
    for (let index = 1; index < chunks.length; index++) {
      const previousWords = chunks[index - 1]!.split(/\s+/);
      const firstWord = chunks[index]!.split(/\s+/)[0]!;
      expect(previousWords).toContain(firstWord);
    }
  });

  it('cuts an over-long paragraph at sentence ends, then words, then hard', () => {
    const sentences = Array.from({ length: 12 }, (_, index) => `Sentence number ${index} ends here.`).join(' ');
    const chunks = chunkText(sentences, { maxChars: 120, overlapChars: 0 });
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(120);
      expect(chunk.endsWith('.')).toBe(true);
    }
    const unbroken = 'x'.repeat(500);
    const hard = chunkText(unbroken, { maxChars: 100, overlapChars: 0 });
    expect(hard.join('')).toBe(unbroken);
    for (const chunk of hard) expect(chunk.length).toBeLessThanOrEqual(100);
  });

  it('never splits a surrogate pair', () => {
    const text = '🚀'.repeat(200);
    for (const chunk of chunkText(text, { maxChars: 51, overlapChars: 0 })) {
      expect(chunk.length).toBeLessThanOrEqual(51);
      expect(() => encodeURIComponent(chunk)).not.toThrow();
    }
  });

  it('is deterministic and gives nothing for blank text', () => {
    const text = `${words(50)}\n\n${words(50, 'z')}`;
    expect(chunkText(text, { maxChars: 120, overlapChars: 20 })).toEqual(
      chunkText(text, { maxChars: 120, overlapChars: 20 }),
    );
    expect(chunkText(' \n\n \t', { maxChars: 120, overlapChars: 20 })).toEqual([]);
  });
});

describe('resolveChunkingOptions', () => {
  it('applies defaults and rejects out-of-range values', () => {
    expect(resolveChunkingOptions({}, 'docs')).toEqual({ maxChars: 1000, overlapChars: 100 });
    expect(resolveChunkingOptions({ maxChars: 200 }, 'docs')).toEqual({ maxChars: 200, overlapChars: 50 });
    for (const bad of [
      { maxChars: 49 },
      { maxChars: 100.5 },
      { maxChars: 100, overlapChars: 50 },
      { overlapChars: -1 },
    ]) {
      expect(() => resolveChunkingOptions(bad, 'docs')).toThrow(RagSearchError);
    }
  });
});

describe('chunkDocuments', () => {
  it('gives chunks stable ids and the document metadata plus documentId/chunkIndex', () => {
    const [document] = chunkDocuments(
      [
        {
          id: 'guide.md',
          content: `${words(40)}\n\n${words(40, 'q')}`,
          metadata: { type: 'guide', chunkIndex: 'user' },
        },
      ],
      { chunking: { maxChars: 200 } },
      'docs',
    );
    expect(document!.chunks.map((chunk) => chunk.id)).toEqual(document!.chunks.map((_, index) => `guide.md#${index}`));
    expect(document!.chunks[1]!.metadata).toEqual({ type: 'guide', documentId: 'guide.md', chunkIndex: 1 });
  });

  it('keeps a document whole with chunking: false, and an empty document has no chunks', () => {
    const long = words(500);
    const [whole, empty] = chunkDocuments(
      [
        { id: 'a', content: long },
        { id: 'b', content: '  ' },
      ],
      { chunking: false },
      'docs',
    );
    expect(whole!.chunks.map((chunk) => chunk.content)).toEqual([long]);
    expect(empty!.chunks).toEqual([]);
  });

  it('rejects a non-array and a non-function onProgress', () => {
    expect(() => chunkDocuments('x' as never, {}, 'docs')).toThrow(/array of documents/);
    expect(() => chunkDocuments([], { onProgress: 1 as never }, 'docs')).toThrow(/onProgress/);
  });
});
