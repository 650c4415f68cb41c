import { HttpError } from './http-error.js';

/** An approval (or refusal) the client answered on a tool part. */
export interface ApprovalAnswer {
  readonly toolCallId: string;
  readonly approved: boolean;
  readonly reason: string | undefined;
}

/** A result the client computed for a tool without `execute` (`useChat`'s `addToolOutput`). */
export interface ClientToolOutput {
  readonly toolCallId: string;
  readonly output: unknown;
  readonly isError: boolean;
}

/** Where a new user message goes: under a known node, as the first message, or at the cursor. */
export type MessageParent =
  { readonly kind: 'node'; readonly nodeId: string } | { readonly kind: 'first' } | { readonly kind: 'cursor' };

/** What a `POST /chat` asks for. */
export type ChatIntent =
  | {
      readonly kind: 'submit';
      readonly text: string;
      readonly parent: MessageParent;
      readonly editOf: string | undefined;
    }
  | {
      readonly kind: 'continue';
      readonly anchorNodeId: string | undefined;
      readonly approvals: readonly ApprovalAnswer[];
      readonly outputs: readonly ClientToolOutput[];
    }
  | { readonly kind: 'regenerate'; readonly nodeId: string | undefined };

/** A parsed `useChat` request: the chat (conversation) id and the intent. */
export interface ChatRequest {
  readonly conversationId: string;
  readonly intent: ChatIntent;
}

const nodeIdPattern = /^(|\d+(\.\d+)*)$/;
/** Conversation ids the handler accepts (`useChat` generates 16 alphanumerics). */
const conversationIdPattern = /^[A-Za-z0-9_-]{1,128}$/;

const invalid = (message: string): HttpError => new HttpError({ status: 400, code: 'INVALID_CHAT_REQUEST', message });

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The dk node a UI message stands for: its `metadata.nodeId`, else its id when that is a node id. */
function nodeOf(message: Json | undefined, { useId }: { readonly useId: boolean }): string | undefined {
  if (message === undefined) return undefined;
  const metadata = message['metadata'];
  if (isRecord(metadata) && typeof metadata['nodeId'] === 'string' && nodeIdPattern.test(metadata['nodeId']))
    return metadata['nodeId'];
  const id = message['id'];
  return useId && typeof id === 'string' && id !== '' && nodeIdPattern.test(id) ? id : undefined;
}

function textOf(message: Json): string {
  const parts = Array.isArray(message['parts']) ? message['parts'] : [];
  return parts
    .filter((part): part is Json => isRecord(part) && part['type'] === 'text' && typeof part['text'] === 'string')
    .map((part) => part['text'] as string)
    .join('');
}

function toolAnswers(message: Json): { approvals: ApprovalAnswer[]; outputs: ClientToolOutput[] } {
  const approvals: ApprovalAnswer[] = [];
  const outputs: ClientToolOutput[] = [];
  const parts = Array.isArray(message['parts']) ? message['parts'] : [];
  for (const part of parts) {
    if (!isRecord(part) || typeof part['type'] !== 'string' || typeof part['toolCallId'] !== 'string') continue;
    if (!part['type'].startsWith('tool-') && part['type'] !== 'dynamic-tool') continue;
    const toolCallId = part['toolCallId'];
    const approval = part['approval'];
    if (part['state'] === 'approval-responded' && isRecord(approval) && typeof approval['approved'] === 'boolean') {
      approvals.push({
        toolCallId,
        approved: approval['approved'],
        reason: typeof approval['reason'] === 'string' ? approval['reason'] : undefined,
      });
    } else if (part['state'] === 'output-available') {
      outputs.push({ toolCallId, output: part['output'], isError: false });
    } else if (part['state'] === 'output-error') {
      outputs.push({ toolCallId, output: part['errorText'], isError: true });
    }
  }
  return { approvals, outputs };
}

/**
 * Reads the body `DefaultChatTransport` posts — `{ id, messages, trigger, messageId }` —
 * into a dk intent. dk stores a tree, so only the last message matters, plus where it goes:
 * a user message is added under the node of the message before it (so an edit, which
 * `useChat` sends as the edited message after the earlier ones, becomes a sibling — never
 * an overwrite); an assistant message last carries the client's tool approvals or outputs;
 * `regenerate-message` answers again as a sibling.
 */
export function parseChatRequest(body: Json, maxMessageChars: number): ChatRequest {
  const conversationId = body['id'];
  if (typeof conversationId !== 'string' || !conversationIdPattern.test(conversationId))
    throw invalid('`id` (the chat id) must be 1–128 letters, digits, `_` or `-`.');
  const messages = body['messages'];
  if (!Array.isArray(messages) || !messages.every(isRecord))
    throw invalid('`messages` must be an array of UI messages.');
  const trigger = body['trigger'] ?? 'submit-message';
  const messageId = typeof body['messageId'] === 'string' ? body['messageId'] : undefined;
  const last = messages.at(-1);
  if (trigger === 'regenerate-message') {
    const target = messageId !== undefined && nodeIdPattern.test(messageId) ? messageId : undefined;
    return { conversationId, intent: { kind: 'regenerate', nodeId: target ?? nodeOf(last, { useId: true }) } };
  }
  if (trigger !== 'submit-message') throw invalid('`trigger` must be "submit-message" or "regenerate-message".');
  if (last === undefined) throw invalid('`messages` is empty: there is nothing to answer.');
  if (last['role'] === 'assistant') {
    const { approvals, outputs } = toolAnswers(last);
    return {
      conversationId,
      intent: { kind: 'continue', anchorNodeId: nodeOf(last, { useId: false }), approvals, outputs },
    };
  }
  if (last['role'] !== 'user')
    throw invalid('The last message must be a user message (or an assistant message with tool answers).');
  const text = textOf(last);
  if (text.trim() === '') throw invalid('The message has no text.');
  if (text.length > maxMessageChars)
    throw new HttpError({
      status: 413,
      code: 'MESSAGE_TOO_LARGE',
      message: `The message is ${text.length} characters long; the limit is ${maxMessageChars}. Shorten it and send it again.`,
    });
  const previous = messages.at(-2);
  const parentNode = nodeOf(previous, { useId: true });
  const parent: MessageParent =
    previous === undefined
      ? { kind: 'first' }
      : parentNode === undefined
        ? { kind: 'cursor' }
        : { kind: 'node', nodeId: parentNode };
  const edited = messageId === undefined ? undefined : nodeOf(last, { useId: true });
  return { conversationId, intent: { kind: 'submit', text, parent, editOf: edited } };
}
