import type { PromptBuilder } from '@dk/prompts';
import { expectTypeOf, test } from 'vitest';
import type { ConversationPromptBuilder } from './conversation-prompt-builder.js';

test('@dk/prompts PromptBuilder satisfies ConversationPromptBuilder structurally', () => {
  expectTypeOf<PromptBuilder>().toExtend<ConversationPromptBuilder>();
});
