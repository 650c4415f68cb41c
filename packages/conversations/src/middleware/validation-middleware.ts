import { checkOptionValues } from '../check-option-values.js';
import { renderTemplate } from '@dk/templates';
import type { CompletionOptions, LLMMessage, LLMProvider, LLMResponse, PromptRenderer } from '@dk/spec';
import { ConversationInputError } from '../conversation-input-error.js';
import type { ConversationMiddleware, MiddlewareContext } from '../conversation-middleware.js';
import { ResponseValidationError } from '../response-validation-error.js';

/** The judge's decision on one response. */
export interface ValidationVerdict {
  /** `valid` or `invalid`; an answer that is not a well-formed verdict counts as `invalid`. */
  readonly verdict: 'valid' | 'invalid';
  /** The judge's reason, or why its answer could not be read. */
  readonly reason: string;
  /** False when the judge's answer was not a well-formed verdict. */
  readonly readable: boolean;
}

/** Settings of {@link ValidationMiddleware}. */
export interface ValidationMiddlewareOptions {
  /** The judge model (may differ from the conversation's). */
  readonly llm: LLMProvider;
  /** Renders `validationPrompt`. Required with `validationPrompt`. */
  readonly promptBuilder?: PromptRenderer;
  /** Name of a user prompt in the builder's library, rendered with params `{ response, request }`. */
  readonly validationPrompt?: string;
  /** Inline template (dk template language) with `{{response}}` and `{{request}}`. Default {@link defaultValidationTemplate}. */
  readonly template?: string;
  /** Retry the turn (a new model call) when the judge says invalid. Default `false`. */
  readonly autoRetry?: boolean;
  /** Retries after the first call when `autoRetry` is on. Default 2. */
  readonly maxRetries?: number;
  /** What to do with a response that is still invalid: fail the turn (`throw`, default) or store it marked `validationFailed` (`annotate`). */
  readonly onInvalid?: 'throw' | 'annotate';
  /** What to do when the judge call itself fails: fail the turn (`throw`, default) or store the response with `validationError` (`annotate`). */
  readonly onJudgeError?: 'throw' | 'annotate';
  /** Settings of the judge call (e.g. `{ temperature: 0 }`). */
  readonly completionOptions?: Omit<CompletionOptions, 'signal'>;
}

/** The judge prompt used when neither `validationPrompt` nor `template` is given. */
export const defaultValidationTemplate = [
  "You review an assistant's reply before it reaches the user. Decide whether the reply is",
  'accurate, on topic, safe and actually answers the request.',
  '',
  'Request:',
  '<request>',
  '{{request}}',
  '</request>',
  '',
  'Reply:',
  '<reply>',
  '{{response}}',
  '</reply>',
  '',
  'Answer with only this JSON object and nothing else:',
  '{"verdict": "valid" or "invalid", "reason": "<one sentence>"}',
].join('\n');

function candidateJson(text: string): string | undefined {
  const trimmed = text
    .trim()
    .replace(/^```(?:json)?\s*/i, '')
    .replace(/\s*```$/, '');
  if (trimmed.startsWith('{')) return trimmed;
  const start = trimmed.indexOf('{');
  const end = trimmed.lastIndexOf('}');
  return start !== -1 && end > start ? trimmed.slice(start, end + 1) : undefined;
}

/**
 * Reads a judge's answer. Only a JSON object whose `verdict` is exactly `"valid"` or
 * `"invalid"` (any case) is a verdict; anything else — including a bare `INVALID` or
 * `VALID` — is unreadable and counts as invalid, so a judge can never pass a response by
 * accident.
 */
export function parseValidationVerdict(answer: string): ValidationVerdict {
  const json = candidateJson(answer);
  if (json !== undefined) {
    try {
      const value: unknown = JSON.parse(json);
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        const record = value as Record<string, unknown>;
        const verdict = typeof record['verdict'] === 'string' ? record['verdict'].trim().toLowerCase() : undefined;
        const reason = typeof record['reason'] === 'string' ? record['reason'] : '';
        if (verdict === 'valid' || verdict === 'invalid') return { verdict, reason, readable: true };
      }
    } catch {
      // Falls through to "unreadable".
    }
  }
  const shown = answer.length > 120 ? `${answer.slice(0, 120)}…` : answer;
  return {
    verdict: 'invalid',
    reason: `the judge did not answer with a {"verdict": "valid"|"invalid"} object (got ${JSON.stringify(shown)})`,
    readable: false,
  };
}

const requestKey = Symbol('validation-request');

/**
 * Asks a judge model whether each response is acceptable, with an explicit JSON verdict.
 * An invalid response is retried (a real new model call, at most `maxRetries` times) when
 * `autoRetry` is on; a response still invalid then fails the turn with
 * `ResponseValidationError`, or is stored with `validationFailed: true` when
 * `onInvalid: 'annotate'`. The verdict is recorded under `validation` in the node
 * metadata. Streams cannot be retried (the caller has seen the text): there an invalid
 * response follows `onInvalid` directly. Doubles the model calls — use it selectively.
 */
export class ValidationMiddleware implements ConversationMiddleware {
  readonly name = 'ValidationMiddleware';
  readonly #llm: LLMProvider;
  readonly #promptBuilder: PromptRenderer | undefined;
  readonly #validationPrompt: string | undefined;
  readonly #template: string;
  readonly #autoRetry: boolean;
  readonly #maxRetries: number;
  readonly #onInvalid: 'throw' | 'annotate';
  readonly #onJudgeError: 'throw' | 'annotate';
  readonly #completionOptions: Omit<CompletionOptions, 'signal'>;

  constructor(options: ValidationMiddlewareOptions) {
    checkOptionValues(
      'ValidationMiddleware',
      options,
      {
        llm: { methods: ['complete'], described: 'an LLMProvider' },
        promptBuilder: { methods: ['renderUserPrompt'], described: 'a PromptRenderer' },
        validationPrompt: 'string',
        template: 'string',
        autoRetry: 'boolean',
        maxRetries: 'number',
        onInvalid: { oneOf: ['throw', 'annotate'] },
        onJudgeError: { oneOf: ['throw', 'annotate'] },
        completionOptions: 'object',
      },
      'new ValidationMiddleware({ llm: judgeProvider })',
    );
    if (options.llm === undefined || typeof options.llm.complete !== 'function') {
      throw new ConversationInputError({ field: 'llm', reason: 'must be the judge LLMProvider' });
    }
    if (options.validationPrompt !== undefined && options.promptBuilder === undefined) {
      throw new ConversationInputError({
        field: 'promptBuilder',
        reason: 'is required with `validationPrompt`',
        hint: 'Pass the PromptBuilder whose library holds the prompt, or an inline `template`.',
      });
    }
    if (options.validationPrompt !== undefined && options.template !== undefined) {
      throw new ConversationInputError({ field: 'template', reason: 'cannot be combined with `validationPrompt`' });
    }
    const maxRetries = options.maxRetries ?? 2;
    if (!Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > 5) {
      throw new ConversationInputError({ field: 'maxRetries', reason: 'must be an integer from 0 to 5' });
    }
    this.#llm = options.llm;
    this.#promptBuilder = options.promptBuilder;
    this.#validationPrompt = options.validationPrompt;
    this.#template = options.template ?? defaultValidationTemplate;
    this.#autoRetry = options.autoRetry ?? false;
    this.#maxRetries = maxRetries;
    this.#onInvalid = options.onInvalid ?? 'throw';
    this.#onJudgeError = options.onJudgeError ?? 'throw';
    this.#completionOptions = options.completionOptions ?? {};
  }

  processRequest(messages: readonly LLMMessage[], context: MiddlewareContext): undefined {
    const lastUser = messages.findLast((message) => message.role === 'user');
    context.turnData.set(requestKey, lastUser?.content ?? '');
    return undefined;
  }

  async #prompt(
    params: { readonly response: string; readonly request: string },
    signal: AbortSignal | undefined,
  ): Promise<string> {
    if (this.#validationPrompt !== undefined) {
      const rendered = await this.#promptBuilder!.renderUserPrompt(this.#validationPrompt, {
        params,
        includeRag: false,
        ...(signal === undefined ? {} : { signal }),
      });
      return rendered.content;
    }
    return renderTemplate(this.#template, params).content;
  }

  /** Asks the judge about `response` (given the request it answers) and reads its verdict. */
  async judge(
    response: string,
    request: string,
    signal?: AbortSignal,
  ): Promise<ValidationVerdict & { readonly judgeResponse: LLMResponse }> {
    const content = await this.#prompt({ response, request }, signal);
    const judgeResponse = await this.#llm.complete([{ role: 'user', content }], {
      ...this.#completionOptions,
      ...(signal === undefined ? {} : { signal }),
    });
    return { ...parseValidationVerdict(judgeResponse.content), judgeResponse };
  }

  async processResponse(response: LLMResponse, context: MiddlewareContext): Promise<LLMResponse> {
    const request = context.turnData.get(requestKey);
    let verdict: Awaited<ReturnType<ValidationMiddleware['judge']>>;
    try {
      const started = performance.now();
      verdict = await this.judge(response.content, typeof request === 'string' ? request : '', context.signal);
      // The judge's tokens belong to this turn: in the node's record, the totals and token budgets.
      context.recordModelCall({
        purpose: 'judge',
        response: verdict.judgeResponse,
        provider: this.#llm.provider,
        latencyMs: performance.now() - started,
      });
    } catch (error) {
      if (this.#onJudgeError === 'throw') throw error;
      context.setNodeMetadata(
        'validationError',
        error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      );
      return response;
    }
    context.setNodeMetadata('validation', {
      verdict: verdict.verdict,
      reason: verdict.reason,
      readable: verdict.readable,
      judgeModel: verdict.judgeResponse.model,
      judgeUsage: verdict.judgeResponse.usage,
      attempt: context.attempt,
    });
    if (verdict.verdict === 'valid') return response;
    const canRetry = this.#autoRetry && context.operation === 'complete' && context.attempt <= this.#maxRetries;
    if (canRetry)
      throw new ResponseValidationError({ reason: verdict.reason, attempt: context.attempt, requestsTurnRetry: true });
    if (this.#onInvalid === 'throw')
      throw new ResponseValidationError({ reason: verdict.reason, attempt: context.attempt, requestsTurnRetry: false });
    context.setNodeMetadata('validationFailed', true);
    return response;
  }
}
