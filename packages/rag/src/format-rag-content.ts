import { renderTemplate } from '@dk/templates';
import { checkOptions } from '@dk/spec';
import type { SearchResult } from '@dk/spec';
import { defaultItemTemplate, defaultRagSeparator } from './rag-config.js';

/** Options of {@link formatRagContent}. */
export interface FormatRagContentOptions {
  /** Text before the items, a template over `params` and `count`. Default empty. */
  readonly header?: string;
  /**
   * Template of one item. Variables: the prompt params, every metadata field at top level,
   * `metadata`, `id`, `content`, `score` (rounded to 3 decimals), and `index` / `citation`
   * (the citation number). Default {@link defaultItemTemplate}.
   */
  readonly itemTemplate?: string;
  /** Text between two items. Default `"\n\n"`. */
  readonly separator?: string;
  /** The prompt params, visible to the header and item templates. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Citation number of the first result. Default 1. */
  readonly firstCitation?: number;
}

const closingTag = /<\/(document)/gi;
const formatOptions = ['header', 'itemTemplate', 'separator', 'params', 'firstCitation'];

/**
 * Formats search results into the text that replaces a RAG placeholder: the header, then
 * each result through the item template, joined by the separator. No results give `""`
 * (header included); `runRagSearches` then puts the config's `empty_text` into the
 * placeholder instead. A header that does not end with a newline gets one. Values are
 * inserted as text and never parsed again.
 *
 * With the default item template, a `</document` inside retrieved text is written as
 * `<\/document` so a document cannot close its own fence.
 */
export function formatRagContent(results: readonly SearchResult[], options: FormatRagContentOptions = {}): string {
  checkOptions('formatRagContent', options, formatOptions);
  if (results.length === 0) return '';
  const params = options.params ?? {};
  const itemTemplate = options.itemTemplate ?? defaultItemTemplate;
  const fenced = itemTemplate === defaultItemTemplate;
  const firstCitation = options.firstCitation ?? 1;
  const ignore = { validation: { level: 'ignore' } } as const;
  const items = results.map((result, position) => {
    const citation = firstCitation + position;
    const content = fenced ? result.content.replace(closingTag, '<\\/$1') : result.content;
    const id = fenced ? result.id.replace(/"/g, "'") : result.id;
    return renderTemplate(
      itemTemplate,
      {
        ...params,
        ...result.metadata,
        metadata: result.metadata,
        id,
        content,
        score: Math.round(result.score * 1000) / 1000,
        index: citation,
        citation,
      },
      ignore,
    ).content;
  });
  const body = items.join(options.separator ?? defaultRagSeparator);
  const header = options.header
    ? renderTemplate(options.header, { ...params, count: results.length }, ignore).content
    : '';
  if (header === '') return body;
  return header.endsWith('\n') ? header + body : `${header}\n${body}`;
}
