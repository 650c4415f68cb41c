/** Which model answers. Keys never live in config files: providers read them from the environment at call time. */
export interface ProviderConfig {
  /** `echo` (offline, deterministic), `openai` (or any OpenAI-compatible server via `baseURL`), `anthropic`. */
  readonly type: 'echo' | 'openai' | 'anthropic';
  /** Model id; each provider has a default. */
  readonly model?: string;
  /** Base URL of an OpenAI-compatible or Anthropic-compatible server. */
  readonly baseURL?: string;
  /** Name of the environment variable holding the API key (default `OPENAI_API_KEY` / `ANTHROPIC_API_KEY`). */
  readonly apiKeyEnv?: string;
  /** Per-request deadline in milliseconds. */
  readonly timeoutMs?: number;
  /** Echo provider: delay between streamed chunks, to make streaming visible. */
  readonly streamDelayMs?: number;
}

/** Where conversations are stored. */
export interface StorageConfig {
  /** `sqlite` (a local file), `postgres` (connection string from an environment variable) or `memory`. */
  readonly type: 'sqlite' | 'postgres' | 'memory';
  /** SQLite file, relative to the demo app directory. */
  readonly sqlitePath: string;
  /** Name of the environment variable holding the PostgreSQL connection string. */
  readonly postgresUrlEnv: string;
  /** PostgreSQL schema. */
  readonly postgresSchema?: string;
  /**
   * Name of the environment variable holding a read replica's connection string: when it is
   * set, lag-tolerant reads go to the replica (read-your-writes for what this server wrote).
   */
  readonly postgresReadUrlEnv: string;
}

/** What a shared-state component does when Redis fails: admit/answer degraded, or refuse. */
export type FailurePolicy = 'failOpen' | 'failClosed';

/**
 * Shared limiter, budget and cache state. With `url` (or `DK_REDIS_URL`) every rate limiter,
 * token budget, cache and the usage monitor live in Redis, so several demo servers share
 * them; without it they live in this process's memory.
 */
export interface RedisConfig {
  /** `redis://[user:password@]host:port[/db]`; prefer `DK_REDIS_URL` when it holds a password. */
  readonly url?: string;
  /** Leads every key the demo writes (one deployment per prefix). */
  readonly prefix: string;
  /** How long one Redis operation may take before it counts as failed, in milliseconds. */
  readonly timeoutMs: number;
  /** How long a cached conversation read lives (writes invalidate it at once), in milliseconds. */
  readonly conversationCacheTtlMs: number;
  /** How long cached RAG search results live, in milliseconds. */
  readonly ragCacheTtlMs: number;
  /** Per component: what happens when Redis is down. */
  readonly failurePolicy: {
    /** The HTTP request limit per client (`failClosed`: 503). */
    readonly requestRateLimit: FailurePolicy;
    /** The model-call limit per user (`failClosed`: the turn fails). */
    readonly modelRateLimit: FailurePolicy;
    /** The token budget per conversation (`failClosed` with `refuse`: the turn fails). */
    readonly tokenBudget: FailurePolicy;
    /** The usage counters of `/api/usage` (never fails a turn: a failed count is logged). */
    readonly usage: FailurePolicy;
    /** The conversation read cache and the RAG result cache (`failClosed`: reads fail). */
    readonly cache: FailurePolicy;
  };
}

/** The prompt libraries: the first directory that has a prompt wins (environment over base). */
export interface PromptsConfig {
  /** Prompt directories relative to the demo app directory, most specific first. */
  readonly directories: readonly string[];
  /** System prompt rendered as the root of each new conversation. */
  readonly systemPrompt: string;
  /** User prompt each chat message is rendered through (it carries the RAG search). */
  readonly userPrompt: string;
}

/** The bundled RAG corpus. */
export interface RagConfigSection {
  /** Directory of markdown files (relative to the app directory), indexed into the in-memory BM25 adapter. */
  readonly corpus: string;
  /** Adapter name the prompts refer to by `adapter_name`. */
  readonly adapterName: string;
}

/** The middleware stack around every model call. */
export interface MiddlewareConfig {
  /** Log each model call (redacted previews only). */
  readonly logging: boolean;
  /** Model calls allowed per user per window. */
  readonly rateLimit: { readonly maxRequests: number; readonly windowMs: number };
  /** Tokens allowed per conversation; `refuse` fails the turn, `warn` logs. */
  readonly tokenBudget: { readonly maxTokens: number; readonly onExceeded: 'warn' | 'refuse' };
  /** Words replaced with `[FILTERED]` in answers. */
  readonly contentFilter: { readonly words: readonly string[] };
  /** Calls slower than this are logged as slow. */
  readonly slowThresholdMs: number;
}

/** The web server (`serve`). */
export interface ServerConfig {
  readonly host: string;
  /** Port; 0 picks a free one. */
  readonly port: number;
  /** Largest chat message in characters (larger → 413). */
  readonly maxMessageChars: number;
  /** Largest request body in bytes (larger → 413). */
  readonly maxBodyBytes: number;
  /** HTTP requests allowed per client per window (more → 429 with Retry-After). */
  readonly rateLimit: { readonly maxRequests: number; readonly windowMs: number };
  /** How long shutdown waits for in-flight turns, in milliseconds. */
  readonly shutdownTimeoutMs: number;
}

/** OpenTelemetry: where the spans of every turn go, besides the studio's in-process trace store. */
export interface TelemetryConfig {
  /** `none` (studio only), `console` (spans printed to stdout) or `otlp` (OTLP over HTTP to `otlpUrl`). */
  readonly exporter: 'none' | 'console' | 'otlp';
  /** The collector's traces endpoint, e.g. `http://127.0.0.1:4318/v1/traces`. */
  readonly otlpUrl: string;
  /** Record prompts, answers and tool arguments on spans (redacted). */
  readonly recordContent: boolean;
  /** `service.name` of the spans. */
  readonly serviceName: string;
  /** Traces the studio keeps in memory (the most recent; 0 keeps none). */
  readonly traceStoreSize: number;
}

/** The validated demo configuration. */
export interface DemoConfig {
  /** `development` or `production`: picks the config file and the environment prompt folder. */
  readonly environment: string;
  readonly provider: ProviderConfig;
  readonly storage: StorageConfig;
  readonly redis: RedisConfig;
  readonly prompts: PromptsConfig;
  readonly rag: RagConfigSection;
  readonly middleware: MiddlewareConfig;
  readonly server: ServerConfig;
  readonly telemetry: TelemetryConfig;
  /** Minimum log level written to stderr. */
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
}
