/** JSON Schema of the demo configuration; ajv fills the defaults. */
export const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['environment'],
  properties: {
    environment: { type: 'string', minLength: 1 },
    logLevel: { enum: ['debug', 'info', 'warn', 'error', 'silent'], default: 'info' },
    provider: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        type: { enum: ['echo', 'openai', 'anthropic'], default: 'echo' },
        model: { type: 'string', minLength: 1 },
        baseURL: { type: 'string', pattern: '^https?://' },
        apiKeyEnv: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
        timeoutMs: { type: 'integer', minimum: 1 },
        streamDelayMs: { type: 'integer', minimum: 0, maximum: 1000 },
      },
    },
    storage: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        type: { enum: ['sqlite', 'postgres', 'memory'], default: 'sqlite' },
        sqlitePath: { type: 'string', minLength: 1, default: '.data/demo.db' },
        postgresUrlEnv: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', default: 'DATABASE_URL' },
        postgresReadUrlEnv: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', default: 'DATABASE_READ_URL' },
        postgresSchema: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
      },
    },
    redis: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        url: { type: 'string', pattern: '^rediss?://' },
        prefix: { type: 'string', pattern: '^[^{}]+$', default: 'dk:demo:' },
        timeoutMs: { type: 'integer', minimum: 1, default: 1000 },
        conversationCacheTtlMs: { type: 'integer', minimum: 1, default: 60000 },
        ragCacheTtlMs: { type: 'integer', minimum: 1, default: 600000 },
        failurePolicy: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            requestRateLimit: { enum: ['failOpen', 'failClosed'], default: 'failOpen' },
            modelRateLimit: { enum: ['failOpen', 'failClosed'], default: 'failOpen' },
            tokenBudget: { enum: ['failOpen', 'failClosed'], default: 'failOpen' },
            usage: { enum: ['failOpen', 'failClosed'], default: 'failOpen' },
            cache: { enum: ['failOpen', 'failClosed'], default: 'failOpen' },
          },
        },
      },
    },
    prompts: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        directories: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 }, default: ['prompts/base'] },
        systemPrompt: { type: 'string', minLength: 1, default: 'assistant' },
        userPrompt: { type: 'string', minLength: 1, default: 'chat' },
      },
    },
    rag: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        corpus: { type: 'string', minLength: 1, default: 'corpus' },
        adapterName: { type: 'string', minLength: 1, default: 'docs' },
      },
    },
    middleware: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        logging: { type: 'boolean', default: true },
        rateLimit: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            maxRequests: { type: 'integer', minimum: 1, default: 30 },
            windowMs: { type: 'integer', minimum: 1, default: 60000 },
          },
        },
        tokenBudget: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            maxTokens: { type: 'integer', minimum: 1, default: 200000 },
            onExceeded: { enum: ['warn', 'refuse'], default: 'refuse' },
          },
        },
        contentFilter: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: { words: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] } },
        },
        slowThresholdMs: { type: 'integer', minimum: 1, default: 5000 },
      },
    },
    server: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        host: { type: 'string', minLength: 1, default: '127.0.0.1' },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 3000 },
        maxMessageChars: { type: 'integer', minimum: 1, default: 4000 },
        maxBodyBytes: { type: 'integer', minimum: 256, default: 65536 },
        rateLimit: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            maxRequests: { type: 'integer', minimum: 1, default: 120 },
            windowMs: { type: 'integer', minimum: 1, default: 60000 },
          },
        },
        shutdownTimeoutMs: { type: 'integer', minimum: 0, default: 10000 },
      },
    },
    telemetry: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        exporter: { enum: ['none', 'console', 'otlp'], default: 'none' },
        otlpUrl: { type: 'string', pattern: '^https?://', default: 'http://127.0.0.1:4318/v1/traces' },
        recordContent: { type: 'boolean', default: false },
        serviceName: { type: 'string', minLength: 1, default: 'dk-demo' },
        traceStoreSize: { type: 'integer', minimum: 0, default: 200 },
      },
    },
  },
} as const;
