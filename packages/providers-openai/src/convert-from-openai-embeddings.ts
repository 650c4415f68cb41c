import { createInvalidResponseError } from '@dk/provider-utils';

/**
 * Turns an embeddings body into one vector per input text, in input order (by each item's
 * `index`). A body without exactly one numeric vector per text is an `InvalidResponseError`.
 */
export function convertFromOpenAIEmbeddings(data: unknown, count: number): number[][] {
  const items = (data as { data?: unknown } | null | undefined)?.data;
  const vectors: number[][] = new Array<number[]>(count);
  if (Array.isArray(items)) {
    for (const item of items as { index?: unknown; embedding?: unknown }[]) {
      if (typeof item?.index === 'number' && Array.isArray(item.embedding) && item.index < count) {
        vectors[item.index] = item.embedding as number[];
      }
    }
  }
  for (let index = 0; index < count; index += 1) {
    if (vectors[index] === undefined) {
      throw createInvalidResponseError({
        provider: 'openai',
        problem: `expected one embedding per text (${count}), the one for text ${index} is missing`,
        body: data,
      });
    }
  }
  return vectors;
}
