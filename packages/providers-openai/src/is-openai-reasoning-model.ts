const reasoningModelPattern = /^(?:[\w.-]+\/)?(?:o\d+(?:$|-)|gpt-5(?!-chat))/i;

/**
 * True for OpenAI reasoning models (o1, o3, o4-mini, gpt-5, … but not `gpt-5-chat`), which
 * take `max_completion_tokens` and reject `temperature` / `top_p`.
 */
export function isOpenAIReasoningModel(model: string): boolean {
  return reasoningModelPattern.test(model);
}
