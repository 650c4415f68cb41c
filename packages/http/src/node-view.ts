import type { ConversationNode, ConversationRecord, ToolCall } from '@dk/spec';

/** One RAG search recorded on a prompt node: what ran and what came back. */
export interface RagRunView {
  readonly adapterName: string | null;
  readonly query: string | null;
  readonly status: string | null;
  readonly durationMs: number | null;
  readonly cacheHit: boolean;
  /** The results that went into the prompt, best first. */
  readonly results: readonly {
    readonly id: string | null;
    readonly score: number | null;
    readonly citation: number | null;
  }[];
}

/** Token usage of a model call. */
export interface UsageView {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly totalTokens: number;
}

/** One node of a conversation tree, with what the library recorded on it. */
export interface NodeView {
  readonly id: string;
  readonly parentId: string | null;
  readonly role: ConversationNode['role'];
  /** What the user typed (for messages rendered through a prompt), else the content. */
  readonly text: string;
  /** The content sent to the model, when it differs from `text` (a rendered prompt). */
  readonly renderedContent: string | null;
  readonly createdAt: string;
  /** On the active path root → cursor. */
  readonly active: boolean;
  /** A partial answer kept from a stopped or failed stream. */
  readonly interrupted: boolean;
  /** The node this one is an edited copy of. */
  readonly editedFrom: string | null;
  readonly branchName: string | null;
  readonly promptName: string | null;
  /** Model calls (assistant nodes): model, provider, usage (`null`: unknown), cost (`null`: unpriced), latency. */
  readonly model: string | null;
  readonly provider: string | null;
  readonly finishReason: string | null;
  readonly usage: UsageView | null;
  readonly usageUnknown: boolean;
  readonly costUsd: number | null;
  readonly latencyMs: number | null;
  /** Other model calls of the turn (judges, summaries), as recorded. */
  readonly modelCalls: readonly unknown[];
  /** Sums over every model call of the turn, when there was more than one. */
  readonly turnTotals: unknown;
  /** RAG searches of a rendered prompt. */
  readonly rag: readonly RagRunView[];
  /** Prompt warnings of the render. */
  readonly warnings: readonly string[];
  /** Tool calls an assistant node asked for. */
  readonly toolCalls: readonly ToolCall[];
  /** For a tool result: the call it answers, the tool, whether it failed, how long it ran, approval. */
  readonly toolCallId: string | null;
  readonly toolName: string | null;
  readonly isError: boolean;
  readonly durationMs: number | null;
  readonly approval: string | null;
}

/** A conversation tree with its cursor. */
export interface TreeView {
  readonly id: string;
  readonly title: string;
  readonly currentNodeId: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly nodes: readonly NodeView[];
}

/** A conversation in a listing. */
export interface ConversationSummary {
  readonly id: string;
  readonly title: string;
  readonly nodeCount: number;
  readonly currentNodeId: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The metadata key holding what the user typed when the stored content is a rendered prompt. */
export const userTextKey = 'userText';

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const number = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
const list = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);

/** The title of a conversation (`metadata.title`), or a default. */
function titleOf(conversation: ConversationRecord): string {
  const title = conversation.metadata['title'];
  return typeof title === 'string' && title !== '' ? title : 'New conversation';
}

/** What a person wrote in a node: the typed text of a rendered prompt, else the content. */
export function displayText(node: ConversationNode): string {
  return text(node.metadata[userTextKey]) ?? text(node.metadata['question']) ?? node.content;
}

/** The ids root → `nodeId` of a dot-path id. */
export function pathIds(nodeId: string | null): string[] {
  if (nodeId === null) return [];
  const ids = [''];
  if (nodeId === '') return ids;
  const segments = nodeId.split('.');
  for (let index = 1; index <= segments.length; index += 1) ids.push(segments.slice(0, index).join('.'));
  return ids;
}

function ragRuns(metadata: Record<string, unknown>): RagRunView[] {
  return list(record(metadata['prompt'])['rag']).map((entry) => {
    const run = record(entry);
    return {
      adapterName: text(run['adapterName']),
      query: text(run['query']),
      status: text(run['status']),
      durationMs: number(run['durationMs']),
      cacheHit: run['cacheHit'] === true,
      results: list(run['results']).map((item) => {
        const result = record(item);
        return { id: text(result['id']), score: number(result['score']), citation: number(result['citation']) };
      }),
    };
  });
}

function usageOf(value: unknown): UsageView | null {
  const usage = record(value);
  const promptTokens = number(usage['promptTokens']);
  const completionTokens = number(usage['completionTokens']);
  const totalTokens = number(usage['totalTokens']);
  return promptTokens === null || completionTokens === null || totalTokens === null
    ? null
    : { promptTokens, completionTokens, totalTokens };
}

/** The view of one stored node. */
export function nodeView(node: ConversationNode, active: boolean): NodeView {
  const metadata = node.metadata as Record<string, unknown>;
  const shown = displayText(node);
  return {
    id: node.id,
    parentId: node.parentId,
    role: node.role,
    text: shown,
    renderedContent: shown === node.content ? null : node.content,
    createdAt: node.createdAt.toISOString(),
    active,
    interrupted: metadata['interrupted'] === true,
    editedFrom: text(metadata['editedFrom']),
    branchName: node.branchName ?? null,
    promptName: node.promptName ?? null,
    model: text(metadata['model']),
    provider: text(metadata['provider']),
    finishReason: text(metadata['finishReason']),
    usage: usageOf(metadata['usage']),
    usageUnknown: metadata['usageUnknown'] === true,
    costUsd: number(metadata['costUsd']),
    latencyMs: number(metadata['latencyMs']),
    modelCalls: list(metadata['modelCalls']),
    turnTotals: metadata['turnTotals'] ?? null,
    rag: ragRuns(metadata),
    warnings: list(record(metadata['prompt'])['warnings']).filter((item): item is string => typeof item === 'string'),
    toolCalls: node.toolCalls ?? [],
    toolCallId: node.toolCallId ?? null,
    toolName: text(metadata['toolName']) ?? node.name ?? null,
    isError: metadata['isError'] === true,
    durationMs: number(metadata['durationMs']),
    approval: text(metadata['approval']),
  };
}

/** The view of a whole stored tree, the active path marked. */
export function treeView(conversation: ConversationRecord, nodes: readonly ConversationNode[]): TreeView {
  const active = new Set(pathIds(conversation.currentNodeId));
  return {
    id: conversation.id,
    title: titleOf(conversation),
    currentNodeId: conversation.currentNodeId,
    createdAt: conversation.createdAt.toISOString(),
    updatedAt: conversation.updatedAt.toISOString(),
    nodes: nodes.map((node) => nodeView(node, active.has(node.id))),
  };
}

/** The listing entry of a conversation. */
export function conversationSummary(conversation: ConversationRecord): ConversationSummary {
  return {
    id: conversation.id,
    title: titleOf(conversation),
    nodeCount: conversation.nodeCount,
    currentNodeId: conversation.currentNodeId,
    createdAt: conversation.createdAt.toISOString(),
    updatedAt: conversation.updatedAt.toISOString(),
  };
}
