// Wire types of the OpenAI chat completions and embeddings APIs, taken from the official
// client so they follow the vendor's schema. Private to this package.
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';

export type {
  ChatCompletion as OpenAIChatCompletion,
  ChatCompletionChunk as OpenAIChatCompletionChunk,
  ChatCompletionMessageParam as OpenAIMessage,
  ChatCompletionToolChoiceOption as OpenAIToolChoice,
} from 'openai/resources/chat/completions';

/** Body fields shared by the streaming and non-streaming chat requests. */
export type OpenAIChatRequestBody = Omit<ChatCompletionCreateParamsNonStreaming, 'stream'>;
