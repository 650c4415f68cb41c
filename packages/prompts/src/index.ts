export type {
  PromptDefinition,
  PromptKind,
  PromptMetadata,
  PromptParameterDoc,
  PromptValidation,
} from './prompt-definition.js';
export { promptFileSchema, promptNamePattern } from './prompt-file-schema.js';
export { formatPromptProblem } from './prompt-problem.js';
export type { PromptProblem } from './prompt-problem.js';
export { parsePromptSource } from './parse-prompt-source.js';
export type { ParsedPromptSource } from './parse-prompt-source.js';
export type { PromptSourceKind } from './check-prompt-value.js';
export type { SourceLocator, SourcePosition } from './source-locator.js';
export type { PromptEntry, PromptLibrary, PromptLookupOptions, RagConfigEntry } from './prompt-library.js';
export { ConfigPromptLibrary } from './config-prompt-library.js';
export type { ConfigPromptLibrarySettings } from './config-prompt-library.js';
export { FileSystemPromptLibrary } from './file-system-prompt-library.js';
export type { FileSystemPromptLibrarySettings } from './file-system-prompt-library.js';
export { CompositePromptLibrary } from './composite-prompt-library.js';
export type { CompositePromptLibrarySettings } from './composite-prompt-library.js';
export { VersionedPromptLibrary } from './versioned-prompt-library.js';
export type {
  CreatePromptVersionOptions,
  ExperimentVariant,
  PromptExperiment,
  PromptOutcome,
  PromptVersion,
  PromptVersionMetrics,
  VersionedPromptLibrarySettings,
} from './versioned-prompt-library.js';
export { resolvePrompt } from './resolve-prompt.js';
export type {
  PromptChainLink,
  PromptDependencies,
  ResolvedPrompt,
  ResolveOutcome,
  ResolvePromptOptions,
} from './resolve-prompt.js';
export { expandSections } from './expand-sections.js';
export { PromptBuilder } from './prompt-builder.js';
export type {
  PromptBuilderAdapters,
  PromptBuilderSettings,
  RenderInlinePromptOptions,
  RenderPromptOptions,
} from './prompt-builder-options.js';
export type { PromptRenderResult } from './prompt-render-result.js';
export { UnresolvedPlaceholdersError } from './unresolved-placeholders-error.js';
export { lintPromptDirectory } from './lint-prompt-directory.js';
export type { LintPromptDirectoryOptions, LintReport } from './lint-prompt-directory.js';
export { validatePromptName } from './validate-prompt-name.js';
export { PromptNotFoundError } from './prompt-not-found-error.js';
export type { PromptNotFoundErrorOptions } from './prompt-not-found-error.js';
export { PromptFileError } from './prompt-file-error.js';
export { InvalidPromptNameError } from './invalid-prompt-name-error.js';
export { CompositeLibraryError } from './composite-library-error.js';
export { VersioningError } from './versioning-error.js';
export { BuilderConfigurationError } from './builder-configuration-error.js';
