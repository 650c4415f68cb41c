import type { McpCallToolResult, McpContentBlock } from './mcp-call-tool-result.js';

/** Bytes of base64 data, without decoding it. */
function decodedSize(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((base64.length * 3) / 4) - padding);
}

function describeBlock(block: McpContentBlock): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'image':
    case 'audio':
      return `[${block.type}: ${block.mimeType}, ${decodedSize(block.data)} bytes]`;
    case 'resource_link': {
      const mimeType = block.mimeType === undefined ? '' : ` (${block.mimeType})`;
      const description = block.description === undefined ? '' : `: ${block.description}`;
      return `[resource link "${block.title ?? block.name}" ${block.uri}${mimeType}${description}]`;
    }
    case 'resource': {
      const { uri, mimeType, text, blob } = block.resource;
      const type = mimeType === undefined ? '' : ` (${mimeType})`;
      if (text !== undefined) return `[resource ${uri}${type}]\n${text}`;
      return `[resource ${uri}${type}, ${decodedSize(blob ?? '')} bytes]`;
    }
    default:
      // A block type of a newer protocol version.
      return `[${String((block as { type?: unknown }).type)} content]`;
  }
}

/** The content blocks of a result as one text: text blocks as they are, the others summarised, one per line. */
export function contentToText(content: readonly McpContentBlock[]): string {
  return content.map(describeBlock).join('\n');
}

/**
 * The default mapping of a successful `tools/call` result to what the model reads:
 * `structuredContent` when the server sent it (an object, sent to the model as JSON; the MCP
 * specification has servers repeat it as text for older clients, so the text blocks would
 * only say it twice), else the content blocks as text — text as it is, images and audio as
 * `[image: image/png, 1650 bytes]`, resource links as `[resource link "name" uri (type): description]`,
 * embedded resources as their URI followed by their text (or their size, for binary ones).
 */
export function mapMcpToolResult(result: McpCallToolResult): unknown {
  if (result.structuredContent !== undefined) return result.structuredContent;
  return contentToText(result.content);
}
