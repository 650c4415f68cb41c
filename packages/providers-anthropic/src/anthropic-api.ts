// Wire types of the Anthropic Messages API, taken from the official client so they follow
// the vendor's schema. Private to this package.
export type {
  ContentBlockParam as AnthropicContentBlockParam,
  Message as AnthropicMessage,
  MessageCreateParamsNonStreaming as AnthropicRequest,
  MessageParam as AnthropicMessageParam,
  RawMessageStreamEvent as AnthropicStreamEvent,
  Tool as AnthropicTool,
  ToolChoice as AnthropicToolChoice,
} from '@anthropic-ai/sdk/resources/messages';
