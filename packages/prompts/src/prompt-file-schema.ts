/** Pattern of a prompt or RAG config name: segments of letters, digits, `_`, `-`, `.` joined by `/`. */
export const promptNamePattern = '^(?!.*(^|/)\\.\\.?(/|$))[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$';

/**
 * JSON Schema (draft-07) of a prompt file. Published as `@dk/prompts/schema.json` so editors
 * validate prompt files while they are typed; RAG config files (`rag/*.yaml`) follow
 * `#/$defs/ragConfig`.
 */
export const promptFileSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://dk.dev/schemas/prompt-file.json',
  title: 'dk prompt file',
  description: 'A system or user prompt for @dk/prompts (prompts/system/<name>.yaml, prompts/user/<name>.yaml).',
  type: 'object',
  additionalProperties: false,
  anyOf: [{ required: ['template'] }, { required: ['extends'] }],
  properties: {
    template: {
      type: 'string',
      description:
        'The template text. {{name}} inserts a param, ((…)) is an optional section, {{SECTION}} expands a section.',
    },
    extends: { type: 'string', pattern: promptNamePattern, description: 'Name of the prompt this one extends.' },
    defaults: { type: 'object', description: 'Values for params the caller leaves out.' },
    validation: {
      type: 'object',
      additionalProperties: false,
      properties: {
        level: { enum: ['error', 'warn', 'ignore'], description: 'Reaction to missing required params.' },
        required_params: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
        optional_params: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
      },
    },
    sections: {
      type: 'object',
      description: 'Named blocks of template text expanded into {{NAME}} placeholders before rendering.',
      propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
      additionalProperties: { type: 'string' },
    },
    metadata: {
      type: 'object',
      properties: {
        description: { type: 'string' },
        parameters: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            properties: { type: { type: 'string' }, description: { type: 'string' }, examples: { type: 'array' } },
          },
        },
      },
    },
    rag_configs: { type: 'array', items: { $ref: '#/$defs/ragConfig' } },
    rag_config_refs: { type: 'array', items: { type: 'string', pattern: promptNamePattern }, uniqueItems: true },
  },
  $defs: {
    ragConfig: {
      type: 'object',
      description: 'A RAG config (prompts/rag/<name>.yaml or an entry of rag_configs).',
      additionalProperties: false,
      required: ['adapter_name', 'query'],
      properties: {
        adapter_name: { type: 'string', minLength: 1, description: 'Name of the search adapter given to the builder.' },
        query: { type: 'string', description: 'The search query, a template over the prompt params.' },
        k: { type: 'integer', minimum: 1, description: 'Maximum number of results (default 5).' },
        filters: { type: 'object', description: 'Metadata equality filters.' },
        score_threshold: { type: 'number', minimum: 0, maximum: 1, description: 'Minimum normalised score, 0–1.' },
        placeholder: {
          type: 'string',
          pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
          description: 'Variable receiving the results (default RAG_CONTENT).',
        },
        header: { type: 'string', description: 'Text before the results.' },
        item_template: {
          type: 'string',
          description: 'Template of one result: index, content, score, id, metadata fields.',
        },
        separator: { type: 'string', description: 'Text between two results (default a blank line).' },
        max_tokens: {
          type: 'integer',
          minimum: 1,
          description: 'Token budget of the results: added best first, cut at a result boundary.',
        },
        timeout_ms: {
          type: 'integer',
          minimum: 1,
          description: "Milliseconds the search may take; then it fails under the builder's failure policy.",
        },
        empty_text: {
          type: 'string',
          description: 'What the placeholder holds when the search contributed nothing ("" for nothing).',
        },
      },
    },
  },
} as const;
