import DOMPurify from 'dompurify';
import { Marked } from 'marked';
import { memo, useMemo } from 'react';

// Markdown from the model, parsed by marked (GitHub flavoured) and sanitised by DOMPurify:
// model output is untrusted, so no raw HTML, scripts, handlers or unsafe URLs reach the page.
const marked = new Marked({ gfm: true, breaks: true, async: false });

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
});

/** Renders markdown (code blocks included) safely. */
export const Markdown = memo(function Markdown({ text }: { readonly text: string }) {
  const html = useMemo(
    () =>
      DOMPurify.sanitize(marked.parse(text) as string, {
        USE_PROFILES: { html: true },
        FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'img'],
        FORBID_ATTR: ['style'],
      }),
    [text],
  );
  return <div className="markdown" dangerouslySetInnerHTML={{ __html: html }} />;
});
