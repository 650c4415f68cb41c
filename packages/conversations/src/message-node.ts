import { createHash } from 'node:crypto';
import { context } from '@opentelemetry/api';
import { renderTemplate } from '@dk/templates';
import type {
  ConversationMetadata,
  NewConversationNode,
  RenderedPrompt,
  RagResultCache,
  RagRun,
  SearchResult,
} from '@dk/spec';
import { ConversationInputError } from './conversation-input-error.js';
import type { AddMessageOptions, AddPromptMessageOptions } from './conversation-manager-options.js';
import type { ConversationSession } from './conversation-session.js';

const roles = ['system', 'user', 'assistant', 'tool'];

/**
 * The JSON-safe part of a RAG run kept on the node: text-free, except `retrieved` (the
 * results with their text) when `keepResults` is on for cross-branch reuse.
 */
function summarizeRagRun(
  run: Partial<RagRun>,
  keepResults: boolean,
  cachedFrom: string | undefined,
): Record<string, unknown> {
  const summary: Record<string, unknown> = {};
  for (const key of [
    'placeholder',
    'adapterName',
    'configName',
    'query',
    'queryHash',
    'k',
    'status',
    'durationMs',
    'maxTokens',
    'tokens',
    'belowThreshold',
  ] as const) {
    if (run[key] !== undefined) summary[key] = run[key];
  }
  if (run.cacheHit === true) {
    summary['cacheHit'] = true;
    if (cachedFrom !== undefined) summary['cachedFrom'] = cachedFrom;
  }
  if (run.dropped !== undefined && run.dropped.length > 0) {
    summary['dropped'] = run.dropped.map((dropped) => ({
      id: dropped.id,
      score: dropped.score,
      tokens: dropped.tokens,
      budget: dropped.budget,
    }));
  }
  if (keepResults && run.status === 'ok' && run.queryHash !== undefined && run.retrieved !== undefined) {
    summary['retrieved'] = run.retrieved.map((result) => ({
      id: result.id,
      content: result.content,
      score: result.score,
      metadata: result.metadata,
    }));
  }
  if (run.results !== undefined) {
    summary['results'] = run.results.map((result) => ({
      ...(result.id === undefined ? {} : { id: result.id }),
      ...(result.score === undefined ? {} : { score: result.score }),
      ...(result.citation === undefined ? {} : { citation: result.citation }),
    }));
  }
  return summary;
}

async function renderPrompt(
  session: ConversationSession,
  options: AddPromptMessageOptions,
): Promise<NewConversationNode & { readonly metadata: ConversationMetadata }> {
  if (options.role !== 'system' && options.role !== 'user') {
    throw new ConversationInputError({
      field: 'role',
      reason: `prompts can only be rendered for roles system and user, not "${String(options.role)}"`,
    });
  }
  if (typeof options.promptName !== 'string' || options.promptName === '') {
    throw new ConversationInputError({ field: 'promptName', reason: 'must be a non-empty prompt name' });
  }
  const renderer = session.promptRenderer;
  if (renderer === undefined) {
    throw new ConversationInputError({
      field: 'promptBuilder',
      reason: 'is required to render named prompts',
      hint: 'Pass `promptBuilder` to ConversationManager.create/resume.',
    });
  }
  const cacheRag = options.cacheRag ?? session.cacheRag;
  const hits = new Map<string, string>();
  const ragCache: RagResultCache | undefined = cacheRag
    ? {
        get: (queryHash): readonly SearchResult[] | undefined => {
          const stored = session.ragIndex.get(queryHash);
          if (stored === undefined) return undefined;
          hits.set(queryHash, stored.nodeId);
          return stored.results;
        },
      }
    : undefined;
  const renderOptions = {
    params: options.params ?? {},
    includeRag: options.includeRag ?? true,
    ...(options.validationLevel === undefined ? {} : { validationLevel: options.validationLevel }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(ragCache === undefined ? {} : { ragCache }),
  };
  const telemetry = session.telemetry;
  const render = telemetry.start(
    'dk.render_prompt',
    {
      'gen_ai.conversation.id': session.conversationId,
      'dk.prompt.name': options.promptName,
      'dk.prompt.kind': options.role,
    },
    session.traceContext,
  );
  let rendered: RenderedPrompt;
  try {
    // Inside the span's context, so the builder's RAG searches (and anything else traced) nest under it.
    rendered = await context.with(render.context, () =>
      options.role === 'system'
        ? renderer.renderSystemPrompt(options.promptName, renderOptions)
        : renderer.renderUserPrompt(options.promptName, renderOptions),
    );
  } catch (error) {
    telemetry.end(render.span, error);
    throw error;
  }
  if (render.span.isRecording()) {
    const runs = rendered.rag ?? [];
    render.span.setAttributes({
      'dk.rag.searches': runs.length,
      'dk.rag.cache_hit': runs.some((run) => run.cacheHit === true),
    });
    telemetry.setContent(render.span, 'dk.prompt.content', rendered.content);
  }
  telemetry.end(render.span);
  const prompt: Record<string, unknown> = { name: options.promptName, kind: options.role };
  if (rendered.contentHash !== undefined) prompt['contentHash'] = rendered.contentHash;
  if (rendered.version !== undefined) prompt['version'] = rendered.version;
  if (rendered.warnings !== undefined && rendered.warnings.length > 0) prompt['warnings'] = rendered.warnings;
  if (rendered.rag !== undefined && rendered.rag.length > 0) {
    prompt['rag'] = rendered.rag.map((run) =>
      summarizeRagRun(run, cacheRag, run.queryHash === undefined ? undefined : hits.get(run.queryHash)),
    );
    if (rendered.rag.some((run) => run.cacheHit === true)) prompt['ragCacheHit'] = true;
  }
  return { role: options.role, content: rendered.content, promptName: options.promptName, metadata: { prompt } };
}

/** The node `addMessage` stores: inline content as given (or rendered on request), or a rendered named prompt. */
export async function buildMessageNode(
  session: ConversationSession,
  options: AddMessageOptions,
): Promise<NewConversationNode> {
  if (typeof options !== 'object' || options === null) {
    throw new ConversationInputError({
      field: 'options',
      reason: 'must be an object such as `{ role, content }`',
    });
  }
  if (!roles.includes(options.role)) {
    throw new ConversationInputError({
      field: 'role',
      reason: `"${String(options.role)}" is not one of ${roles.join(', ')}`,
    });
  }
  const common = {
    ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
    ...(options.branchName === undefined ? {} : { branchName: options.branchName }),
  };
  if ('promptName' in options && options.promptName !== undefined) {
    if ('content' in options && (options as { content?: unknown }).content !== undefined) {
      throw new ConversationInputError({
        field: 'content',
        reason: 'cannot be combined with `promptName`',
        hint: 'Pass either inline `content` or a `promptName` to render.',
      });
    }
    const rendered = await renderPrompt(session, options);
    return { ...rendered, ...common, metadata: { ...options.metadata, ...rendered.metadata } };
  }
  const content = (options as { content?: unknown }).content;
  if (typeof content !== 'string') {
    throw new ConversationInputError({
      field: 'content',
      reason: 'must be a string',
      hint: 'Pass `{ role, content }` or `{ role, promptName, params }`.',
    });
  }
  const inline = options as Extract<AddMessageOptions, { content: string }>;
  let text = content;
  let metadata = options.metadata;
  if (inline.renderTemplate === true) {
    const rendered = renderTemplate(content, inline.params ?? {});
    text = rendered.content;
    // The engine reports `{{name}}` left in the text (a warning at its default level).
    const warnings = rendered.warnings;
    metadata = {
      ...metadata,
      prompt: {
        inline: true,
        contentHash: createHash('sha256').update(text).digest('hex'),
        ...(warnings.length === 0 ? {} : { warnings }),
      },
    };
  } else if (inline.params !== undefined) {
    throw new ConversationInputError({
      field: 'params',
      reason: 'is only used with `renderTemplate: true` or `promptName`',
      hint: 'Inline content is stored as given unless you ask for rendering.',
    });
  }
  return {
    role: inline.role,
    content: text,
    ...(inline.name === undefined ? {} : { name: inline.name }),
    ...(inline.toolCallId === undefined ? {} : { toolCallId: inline.toolCallId }),
    ...(inline.toolCalls === undefined ? {} : { toolCalls: inline.toolCalls }),
    ...common,
    ...(metadata === undefined ? {} : { metadata }),
  };
}
