import type { PromptBuilder } from '@dk/prompts';
import type { PromptRenderer } from '@dk/spec';
import { expectTypeOf, test } from 'vitest';

test("@dk/prompts' PromptBuilder implements the spec's PromptRenderer, which the manager takes as `promptBuilder`", () => {
  expectTypeOf<PromptBuilder>().toExtend<PromptRenderer>();
});
