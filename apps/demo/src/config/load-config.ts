import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { configSchema } from './config-schema.js';
import type { DemoConfig } from './demo-config.js';
import { DemoConfigError } from './demo-config-error.js';

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** The demo app directory (holds `config/`). */
  readonly appDir: string;
  /** Environment name; default `DK_ENV` or `development`. */
  readonly environment?: string;
  /** Environment variables (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Environment variables that override config keys, and how to parse them. */
const environmentOverrides: readonly {
  readonly variable: string;
  readonly path: readonly string[];
  readonly kind: 'string' | 'integer';
}[] = [
  { variable: 'DK_PROVIDER', path: ['provider', 'type'], kind: 'string' },
  { variable: 'DK_MODEL', path: ['provider', 'model'], kind: 'string' },
  { variable: 'DK_BASE_URL', path: ['provider', 'baseURL'], kind: 'string' },
  { variable: 'DK_STORAGE', path: ['storage', 'type'], kind: 'string' },
  { variable: 'DK_SQLITE_PATH', path: ['storage', 'sqlitePath'], kind: 'string' },
  { variable: 'DK_POSTGRES_SCHEMA', path: ['storage', 'postgresSchema'], kind: 'string' },
  { variable: 'DK_REDIS_URL', path: ['redis', 'url'], kind: 'string' },
  { variable: 'DK_REDIS_PREFIX', path: ['redis', 'prefix'], kind: 'string' },
  { variable: 'DK_HOST', path: ['server', 'host'], kind: 'string' },
  { variable: 'DK_PORT', path: ['server', 'port'], kind: 'integer' },
  { variable: 'DK_LOG_LEVEL', path: ['logLevel'], kind: 'string' },
  { variable: 'DK_STREAM_DELAY_MS', path: ['provider', 'streamDelayMs'], kind: 'integer' },
  { variable: 'DK_SHUTDOWN_TIMEOUT_MS', path: ['server', 'shutdownTimeoutMs'], kind: 'integer' },
  { variable: 'DK_REQUEST_LIMIT', path: ['server', 'rateLimit', 'maxRequests'], kind: 'integer' },
  { variable: 'DK_MODEL_CALL_LIMIT', path: ['middleware', 'rateLimit', 'maxRequests'], kind: 'integer' },
  { variable: 'DK_OTEL_EXPORTER', path: ['telemetry', 'exporter'], kind: 'string' },
  { variable: 'DK_OTLP_URL', path: ['telemetry', 'otlpUrl'], kind: 'string' },
];

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true });
const validate = ajv.compile(configSchema);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let current = target;
  for (const segment of path.slice(0, -1)) {
    const next = current[segment];
    if (!isRecord(next)) current[segment] = {};
    current = current[segment] as Record<string, unknown>;
  }
  current[path.at(-1) as string] = value;
}

function describeError(error: ErrorObject): { key: string; problem: string } {
  const base = error.instancePath.split('/').slice(1).join('.');
  switch (error.keyword) {
    case 'additionalProperties': {
      const extra = String((error.params as { additionalProperty: string }).additionalProperty);
      return { key: base === '' ? extra : `${base}.${extra}`, problem: 'is not a known key' };
    }
    case 'required': {
      const missing = String((error.params as { missingProperty: string }).missingProperty);
      return { key: base === '' ? missing : `${base}.${missing}`, problem: 'is required' };
    }
    case 'enum':
      return {
        key: base,
        problem: `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((value) => JSON.stringify(value)).join(', ')}`,
      };
    default:
      return { key: base, problem: error.message ?? 'is invalid' };
  }
}

/**
 * Reads `config/<environment>.yaml` under `appDir`, applies the `DK_*` environment overrides,
 * fills defaults and validates the result; every problem names the key and where it came from.
 */
export async function loadConfig({ appDir, environment, env = process.env }: LoadConfigOptions): Promise<DemoConfig> {
  const name = environment ?? env['DK_ENV'] ?? 'development';
  if (!/^[a-z][a-z0-9-]*$/.test(name)) {
    throw new DemoConfigError({
      key: 'environment',
      source: environment === undefined ? 'DK_ENV' : '--env',
      problem: `is "${name}", not a lowercase name`,
      hint: 'Use e.g. `development` or `production`.',
    });
  }
  const file = join(appDir, 'config', `${name}.yaml`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new DemoConfigError({
      key: 'environment',
      source: file,
      problem: `names "${name}" but the file cannot be read`,
      hint: `Create ${file} or pick an existing environment (development, production) with DK_ENV or --env.`,
      cause,
    });
  }
  let raw: unknown;
  try {
    raw = parse(text) ?? {};
  } catch (cause) {
    throw new DemoConfigError({
      key: '(file)',
      source: file,
      problem: `is not valid YAML (${cause instanceof Error ? cause.message : String(cause)})`,
      hint: 'Fix the YAML syntax.',
      cause,
    });
  }
  if (!isRecord(raw))
    throw new DemoConfigError({
      key: '(file)',
      source: file,
      problem: 'is not a mapping of keys',
      hint: 'The file must contain keys such as `provider:` and `storage:`.',
    });
  const config: Record<string, unknown> = structuredClone(raw);
  if (config['environment'] === undefined) config['environment'] = name;
  const sources = new Map<string, string>();
  for (const { variable, path, kind } of environmentOverrides) {
    const value = env[variable];
    if (value === undefined || value === '') continue;
    let parsed: unknown = value;
    if (kind === 'integer') {
      if (!/^\d+$/.test(value))
        throw new DemoConfigError({
          key: path.join('.'),
          source: `environment ${variable}`,
          problem: `is "${value}", not a whole number`,
          hint: `Set ${variable} to a number such as 3000.`,
        });
      parsed = Number(value);
    }
    setPath(config, path, parsed);
    sources.set(path.join('.'), `environment ${variable}`);
  }
  if (!validate(config)) {
    const errors = validate.errors ?? [];
    const first = errors[0];
    const { key, problem } = first === undefined ? { key: '(file)', problem: 'is invalid' } : describeError(first);
    const others = errors.slice(1).map((error) => {
      const described = describeError(error);
      return `\`${described.key}\` ${described.problem}`;
    });
    throw new DemoConfigError({
      key,
      source: sources.get(key) ?? file,
      problem: problem + (others.length === 0 ? '' : `; also ${others.join('; ')}`),
      hint: 'See apps/demo/README.md for every key and its allowed values.',
    });
  }
  return config as unknown as DemoConfig;
}
