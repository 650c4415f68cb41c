/**
 * What to do with a system message that appears after the conversation started (Anthropic
 * takes system text only as the top-level `system` parameter):
 *
 * - `hoist` (default): append it to the top-level system text, after the leading ones.
 * - `as-user`: keep it in place as a user turn, prefixed with `System: `.
 * - `error`: reject the call with `InvalidRequestError`.
 */
export type AnthropicSystemMessagePolicy = 'hoist' | 'as-user' | 'error';
