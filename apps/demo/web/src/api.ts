import type { DkMessageMetadata } from '@dk/http';
import type { UIMessage } from 'ai';

/** What the server records on each message (`@dk/http`'s `DkMessageMetadata`), plus a trace id once traces exist (issue 17). */
export type MessageMetadata = DkMessageMetadata & { readonly traceId?: string };

export type ChatMessage = UIMessage<MessageMetadata>;

export interface ConversationSummary {
  readonly id: string;
  readonly title: string;
  readonly nodeCount: number;
  readonly updatedAt: string;
}

export interface PathView {
  readonly conversationId: string;
  readonly title: string;
  readonly currentNodeId: string | null;
  readonly messages: ChatMessage[];
}

export interface TreeNode {
  readonly id: string;
  readonly parentId: string | null;
  readonly role: string;
  readonly text: string;
  readonly active: boolean;
  readonly interrupted: boolean;
  readonly toolCalls: readonly { readonly name: string }[];
  readonly toolName: string | null;
}

export interface TreeView {
  readonly id: string;
  readonly title: string;
  readonly currentNodeId: string | null;
  readonly nodes: readonly TreeNode[];
}

/** An error answer of the API, with the message written for people. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The end-user message of an error body (`{ error: { message } }`), or the text itself. */
export function errorMessage(text: string, fallback = 'Something went wrong. Try again.'): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } };
    if (typeof parsed.error?.message === 'string') return parsed.error.message;
  } catch {
    // Not JSON: a network error or a proxy's page.
  }
  return text.trim() === '' || text.length > 300 ? fallback : text;
}

async function request<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(path, {
    ...init,
    headers: { 'content-type': 'application/json', ...init?.headers },
  });
  if (!response.ok) throw new ApiError(errorMessage(await response.text()), response.status);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

/** One span of a trace, as the studio's trace route returns it (times in ms since the epoch). */
export interface TraceSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly startMs: number;
  readonly durationMs: number;
  readonly status: { readonly code: number; readonly message?: string };
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly events: readonly { readonly name: string; readonly timeMs: number }[];
}

export interface TraceView {
  readonly traceId: string;
  readonly spans: readonly TraceSpan[];
}

export const api = {
  conversations: () => request<{ conversations: ConversationSummary[] }>('/api/conversations'),
  create: () => request<ConversationSummary>('/api/conversations', { method: 'POST', body: '{}' }),
  remove: (id: string) => request<void>(`/api/conversations/${id}`, { method: 'DELETE' }),
  messages: (id: string) => request<PathView>(`/api/conversations/${id}/messages`),
  tree: (id: string) => request<TreeView>(`/api/conversations/${id}`),
  switchTo: (id: string, nodeId: string) =>
    request<PathView>(`/api/conversations/${id}/switch`, { method: 'POST', body: JSON.stringify({ nodeId }) }),
  health: () => request<{ status: string }>('/health'),
  studio: {
    trace: (traceId: string) => request<TraceView>(`/api/studio/traces/${encodeURIComponent(traceId)}`),
    catalog: () => request<StudioCatalog>('/api/studio/prompts'),
    prompt: (kind: string, name: string, variant: string) =>
      request<StudioPrompt>(
        `/api/studio/prompt?kind=${kind}&name=${encodeURIComponent(name)}&variant=${encodeURIComponent(variant)}`,
      ),
    render: (kind: string, name: string, variant: string, params: Record<string, unknown>) =>
      request<StudioRender>('/api/studio/render', {
        method: 'POST',
        body: JSON.stringify({ kind, name, variant, params }),
      }),
    lint: () =>
      request<{ folders: { variant: string; fileCount: number; problems: { text: string }[] }[] }>('/api/studio/lint'),
  },
};

export interface StudioCatalog {
  readonly variants: readonly { readonly name: string; readonly active: boolean }[];
  readonly prompts: readonly { readonly kind: string; readonly name: string; readonly variants: readonly string[] }[];
  readonly ragConfigs: readonly { readonly name: string; readonly config: unknown }[];
}

export interface StudioPrompt {
  readonly kind: string;
  readonly name: string;
  readonly variant: string;
  readonly file: string;
  readonly definition: Record<string, unknown>;
  readonly resolved: {
    readonly template: string;
    readonly defaults: Record<string, unknown>;
    readonly metadata: {
      readonly description?: string;
      readonly parameters?: Record<string, { type?: string; description?: string; examples?: unknown[] }>;
    };
    readonly chain: readonly { readonly name: string; readonly kind: string; readonly file: string }[];
    readonly ragRequests: readonly unknown[];
    readonly validation: { readonly required_params?: string[]; readonly level?: string } | null;
    readonly contentHash: string;
  } | null;
  readonly problems: readonly string[];
}

export interface StudioRender {
  readonly content: string;
  readonly missing: readonly string[];
  readonly unresolved: readonly string[];
  readonly warnings: readonly string[];
  readonly contentHash: string;
  readonly durationMs: number;
  readonly rag: readonly {
    readonly adapterName: string;
    readonly query: string;
    readonly status: string;
    readonly durationMs: number;
    readonly error: string | null;
    readonly results: readonly {
      readonly id: string | null;
      readonly citation: number;
      readonly score: number;
      readonly source: unknown;
      readonly content: string;
    }[];
  }[];
}
