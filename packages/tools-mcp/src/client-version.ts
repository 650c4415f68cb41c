import { createRequire } from 'node:module';

let version: string | undefined;

/** This package's version, read from its package.json on first use (never at import). */
export function clientVersion(): string {
  if (version === undefined) {
    try {
      const manifest = createRequire(import.meta.url)('../package.json') as { version?: unknown };
      version = typeof manifest.version === 'string' ? manifest.version : '0.0.0';
    } catch {
      version = '0.0.0';
    }
  }
  return version;
}
