/** A text block of a tool result. */
export interface McpTextContent {
  readonly type: 'text';
  readonly text: string;
}

/** An image or audio block (base64 `data`). */
export interface McpMediaContent {
  readonly type: 'image' | 'audio';
  readonly data: string;
  readonly mimeType: string;
}

/** A link to a resource the client may read with `resources/read`. */
export interface McpResourceLinkContent {
  readonly type: 'resource_link';
  readonly uri: string;
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly mimeType?: string;
}

/** A resource embedded in the result: its text, or its bytes as base64 `blob`. */
export interface McpEmbeddedResourceContent {
  readonly type: 'resource';
  readonly resource: {
    readonly uri: string;
    readonly mimeType?: string;
    readonly text?: string;
    readonly blob?: string;
  };
}

/** A content block of a tool result (newer protocol versions may add types). */
export type McpContentBlock = McpTextContent | McpMediaContent | McpResourceLinkContent | McpEmbeddedResourceContent;

/** The result of `tools/call` as the server sent it. */
export interface McpCallToolResult {
  readonly content: readonly McpContentBlock[];
  /** A JSON object matching the tool's `outputSchema` (the SDK validates it). */
  readonly structuredContent?: Readonly<Record<string, unknown>>;
  /** True when the tool ran and failed; the content says why. */
  readonly isError?: boolean;
  readonly _meta?: Readonly<Record<string, unknown>>;
}
