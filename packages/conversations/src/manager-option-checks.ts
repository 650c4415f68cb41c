import { checkOptionValues, invalidOptionValue } from './check-option-values.js';
import type { OptionRule } from './check-option-values.js';

// Run-time checks of the ConversationManager's options, for callers without TypeScript: names
// with a did-you-mean, and values of the wrong type (`middleware: {}`, `now: 5`) refused with
// `InvalidOptionsError` before they fail deep inside a turn. `llm`, `storage` and ranges keep
// their own checks (`ConversationInputError`).

const settingRules: Readonly<Record<string, OptionRule>> = {
  llm: 'any',
  promptBuilder: 'object',
  storage: 'any',
  middleware: 'any',
  prices: 'object',
  contextLimit: 'object',
  now: 'function',
  cacheRag: 'boolean',
  tools: 'object',
  maxSteps: 'number',
  toolTimeoutMs: 'number',
  telemetry: 'object',
};

const createRules: Readonly<Record<string, OptionRule>> = {
  ...settingRules,
  conversationId: 'string',
  metadata: 'object',
  systemPromptName: 'string',
  systemParams: 'object',
};

const resumeRules: Readonly<Record<string, OptionRule>> = { ...settingRules, conversationId: 'string' };

const callRules: Readonly<Record<string, OptionRule>> = {
  branchName: 'string',
  metadata: 'object',
  overrides: 'object',
  // A ToolSet or a list of tool definitions: checked by the tool set.
  tools: 'any',
  signal: { methods: ['addEventListener'], described: 'an AbortSignal' },
  middleware: 'any',
  maxSteps: 'number',
  toolTimeoutMs: 'number',
  maxParallelToolCalls: 'number',
  toolErrors: { oneOf: ['feed-back', 'fail'] },
  maxToolErrors: 'number',
  // A Standard Schema may be a function (ArkType) or an object (Zod), or a JSON Schema.
  output: 'any',
  maxRepairs: 'number',
};

/** Checks the options of `ConversationManager.create` (required) and their value types. */
export function checkCreateOptions(options: unknown): void {
  const component = 'ConversationManager.create';
  checkOptionValues(component, options, createRules, `${component}({ llm, storage })`);
  checkMiddlewareList(component, (options as { middleware?: unknown }).middleware);
}

/** Checks the options of `ConversationManager.resume` (required) and their value types. */
export function checkResumeOptions(options: unknown): void {
  const component = 'ConversationManager.resume';
  checkOptionValues(component, options, resumeRules, `${component}({ llm, storage, conversationId })`);
  checkMiddlewareList(component, (options as { middleware?: unknown }).middleware);
}

/** Checks the options of `complete`, `regenerate` and `stream`. */
export function checkCallOptions(component: string, options: unknown): void {
  checkOptionValues(component, options, callRules);
  checkMiddlewareList(component, (options as { middleware?: unknown } | undefined)?.middleware);
}

/**
 * Checks a middleware list (`undefined` is no middleware): an array whose entries are objects
 * (with `processRequest`, `processResponse`, … methods).
 *
 * @param field How the list is named in the error (`middleware`, or `middleware[0]` for `use`' arguments).
 */
export function checkMiddlewareList(component: string, value: unknown, field = 'middleware'): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    throw invalidOptionValue(
      component,
      field,
      'an array of middleware objects, e.g. `[new LoggingMiddleware()]`',
      value,
    );
  }
  value.forEach((entry: unknown, index) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw invalidOptionValue(
        component,
        `${field}[${index}]`,
        'a middleware object (with `processRequest`, `processResponse`, … methods)',
        entry,
      );
    }
  });
}
