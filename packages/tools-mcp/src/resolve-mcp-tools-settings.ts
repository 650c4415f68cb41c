import { basename } from 'node:path';
import { checkOptions } from '@dk/spec';
import type { McpCallToolResult } from './mcp-call-tool-result.js';
import { McpSettingsError } from './mcp-settings-error.js';
import type { McpToolInfo } from './mcp-tool-info.js';
import type {
  McpApprovalPolicy,
  McpToolsCommonSettings,
  McpToolsSettings,
  McpHttpSettings,
  McpStdioSettings,
} from './mcp-tools-settings.js';
import { collectSecrets } from './redact-secrets.js';

/** How to reach the server, checked. */
export type McpEndpoint =
  | {
      readonly kind: 'stdio';
      readonly command: string;
      readonly args: readonly string[];
      readonly env: Readonly<Record<string, string>>;
      readonly cwd: string | undefined;
      readonly stderr: 'inherit' | 'ignore' | ((text: string) => void);
    }
  | {
      readonly kind: 'http';
      readonly url: URL;
      readonly headers: Readonly<Record<string, string>>;
      readonly fetch: typeof globalThis.fetch | undefined;
    };

/** Settings with their defaults applied and their values checked. */
export interface ResolvedMcpToolsSettings {
  readonly endpoint: McpEndpoint;
  /** The label errors use until the server reports its name. */
  readonly label: string;
  /** The caller's `name`, which wins over the server's. */
  readonly name: string | undefined;
  /** Values that must never appear in an error (env and header values, URL credentials). */
  readonly secrets: readonly string[];
  readonly prefix: string;
  readonly include: readonly string[] | ((tool: McpToolInfo) => boolean) | undefined;
  readonly needsApproval: McpApprovalPolicy;
  readonly mapResult: ((result: McpCallToolResult, tool: McpToolInfo) => unknown) | undefined;
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly autoRefresh: boolean;
  readonly onToolsChanged: McpToolsCommonSettings['onToolsChanged'];
  readonly onProgress: McpToolsCommonSettings['onProgress'];
  readonly onError: McpToolsCommonSettings['onError'];
  readonly clientInfo: McpToolsCommonSettings['clientInfo'];
}

const commonNames = [
  'name',
  'prefix',
  'include',
  'needsApproval',
  'mapResult',
  'timeoutMs',
  'connectTimeoutMs',
  'autoRefresh',
  'onToolsChanged',
  'onProgress',
  'onError',
  'clientInfo',
] as const;
const stdioNames = [...commonNames, 'command', 'args', 'env', 'cwd', 'stderr'];
const httpNames = [...commonNames, 'url', 'headers', 'fetch'];

const prefixPattern = /^[A-Za-z0-9_-]{0,48}$/;

function refuse(setting: string, reason: string, hint?: string): never {
  throw new McpSettingsError({ setting, reason, ...(hint === undefined ? {} : { hint }) });
}

function optionalFunction<T>(value: unknown, setting: string): T | undefined {
  if (value !== undefined && typeof value !== 'function') refuse(setting, 'must be a function');
  return value as T | undefined;
}

function isStringList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function stringRecord(value: unknown, setting: string): Readonly<Record<string, string>> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    refuse(setting, 'must be an object of strings');
  }
  for (const [key, item] of Object.entries(value)) {
    // The key is safe to show; the value may be a secret.
    if (typeof item !== 'string') refuse(`${setting}.${key}`, `must be a string, got ${typeof item}`);
  }
  return value as Readonly<Record<string, string>>;
}

function milliseconds(value: unknown, setting: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    refuse(setting, 'must be a positive number of milliseconds');
  }
  return value;
}

function resolveStdio(settings: McpStdioSettings): { endpoint: McpEndpoint; label: string; secrets: string[] } {
  const { command, args = [], cwd, stderr = 'inherit' } = settings;
  if (typeof command !== 'string' || command.trim() === '') {
    refuse('command', 'must be a non-empty string', 'Give the program that starts the server, e.g. `node`.');
  }
  if (!isStringList(args)) refuse('args', 'must be an array of strings');
  if (cwd !== undefined && typeof cwd !== 'string') refuse('cwd', 'must be a string');
  if (stderr !== 'inherit' && stderr !== 'ignore' && typeof stderr !== 'function') {
    refuse('stderr', "must be 'inherit', 'ignore' or a function");
  }
  const env = stringRecord(settings.env, 'env');
  return {
    endpoint: { kind: 'stdio', command, args, env, cwd, stderr },
    label: basename(command),
    secrets: Object.values(env),
  };
}

function resolveHttp(settings: McpHttpSettings): { endpoint: McpEndpoint; label: string; secrets: string[] } {
  let url: URL;
  try {
    url = new URL(settings.url);
  } catch {
    // Not shown: a malformed URL may still carry a token.
    refuse('url', 'is not a valid URL', 'Give the absolute MCP endpoint, e.g. `http://127.0.0.1:3001/mcp`.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    refuse('url', `must be an http: or https: URL, got ${url.protocol}`);
  }
  const headers = stringRecord(settings.headers, 'headers');
  const fetch = optionalFunction<typeof globalThis.fetch>(settings.fetch, 'fetch');
  const secrets = [...Object.values(headers), ...url.searchParams.values()];
  if (url.username !== '') secrets.push(decodeURIComponent(url.username), url.username);
  if (url.password !== '') secrets.push(decodeURIComponent(url.password), url.password);
  return { endpoint: { kind: 'http', url, headers, fetch }, label: `${url.origin}${url.pathname}`, secrets };
}

function resolveApproval(value: unknown): McpApprovalPolicy {
  if (value === undefined) return 'unless-read-only';
  if (typeof value === 'boolean' || value === 'unless-read-only' || typeof value === 'function') {
    return value as McpApprovalPolicy;
  }
  if (isStringList(value)) return value;
  return refuse(
    'needsApproval',
    "must be true, false, 'unless-read-only', a list of tool names or a function",
    "Default: 'unless-read-only' (tools the server does not annotate read-only need approval).",
  );
}

/**
 * Checks `connectMcpTools` settings (names with did-you-mean, then values) and applies the
 * defaults. Throws `InvalidOptionsError` or {@link McpSettingsError}; neither message shows a
 * header or environment value.
 */
export function resolveMcpToolsSettings(settings: McpToolsSettings): ResolvedMcpToolsSettings {
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
    refuse('settings', 'must be an object with a `command` (stdio) or a `url` (streamable HTTP)');
  }
  const hasCommand = settings.command !== undefined;
  const hasUrl = settings.url !== undefined;
  if (hasCommand && hasUrl) {
    refuse('command', 'and `url` were both given', 'A connection is either stdio (`command`) or HTTP (`url`).');
  }
  if (!hasCommand && !hasUrl) {
    checkOptions('connectMcpTools', settings, [...new Set([...stdioNames, ...httpNames])]);
    refuse(
      'command',
      'or `url` is needed',
      'Give `command` (and `args`) to start a stdio server, or the `url` of a streamable HTTP endpoint.',
    );
  }
  checkOptions('connectMcpTools', settings, hasCommand ? stdioNames : httpNames);
  const transport = hasCommand ? resolveStdio(settings as McpStdioSettings) : resolveHttp(settings as McpHttpSettings);

  const { name, prefix = '', include, clientInfo } = settings;
  if (name !== undefined && (typeof name !== 'string' || name === '')) refuse('name', 'must be a non-empty string');
  if (typeof prefix !== 'string' || !prefixPattern.test(prefix)) {
    refuse('prefix', 'must be at most 48 letters, digits, `_` or `-`', 'Tool names must match ^[A-Za-z0-9_-]{1,64}$.');
  }
  if (include !== undefined && typeof include !== 'function' && !isStringList(include)) {
    refuse('include', 'must be a list of tool names or a function');
  }
  if (settings.autoRefresh !== undefined && typeof settings.autoRefresh !== 'boolean') {
    refuse('autoRefresh', 'must be a boolean');
  }
  if (
    clientInfo !== undefined &&
    (typeof clientInfo !== 'object' ||
      clientInfo === null ||
      typeof clientInfo.name !== 'string' ||
      typeof clientInfo.version !== 'string')
  ) {
    refuse('clientInfo', 'must be `{ name: string, version: string }`');
  }
  return {
    endpoint: transport.endpoint,
    label: name ?? transport.label,
    name,
    secrets: collectSecrets(transport.secrets),
    prefix,
    include,
    needsApproval: resolveApproval(settings.needsApproval),
    mapResult: optionalFunction(settings.mapResult, 'mapResult'),
    timeoutMs: milliseconds(settings.timeoutMs, 'timeoutMs', 60_000),
    connectTimeoutMs: milliseconds(settings.connectTimeoutMs, 'connectTimeoutMs', 30_000),
    autoRefresh: settings.autoRefresh ?? true,
    onToolsChanged: optionalFunction(settings.onToolsChanged, 'onToolsChanged'),
    onProgress: optionalFunction(settings.onProgress, 'onProgress'),
    onError: optionalFunction(settings.onError, 'onError'),
    clientInfo,
  };
}
