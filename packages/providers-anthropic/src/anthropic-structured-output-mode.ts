/**
 * How a JSON `responseFormat` is requested from Anthropic (the answer is always validated
 * with ajv afterwards):
 *
 * - `tool` (default, works with every tool-capable Claude model): a tool named after the
 *   format (`response` unless `name` is given) whose input schema is the requested schema is
 *   added and its use required; the tool's input becomes the response text and `parsed`.
 *   With other tools present the model must use some tool (`tool_choice: any`), so it can
 *   still call them first.
 * - `output-format`: Anthropic's native structured outputs (`output_config.format`), for
 *   models that support it; `json` without a schema falls back to `tool`.
 * - `prompt`: an instruction (with the schema) appended to the system text.
 */
export type AnthropicStructuredOutputMode = 'tool' | 'output-format' | 'prompt';
