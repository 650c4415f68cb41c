import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { promptFileSchema } from './prompt-file-schema.js';

describe('promptFileSchema', () => {
  it('is published unchanged as @dk/prompts/schema.json', () => {
    const published: unknown = JSON.parse(readFileSync(new URL('../schema.json', import.meta.url), 'utf8'));
    // If this fails, regenerate schema.json from prompt-file-schema.ts.
    expect(published).toEqual(promptFileSchema);
  });

  it('is exported as a package subpath and shipped in the tarball', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      exports: Record<string, unknown>;
      publishConfig: { exports: Record<string, unknown> };
      files: string[];
    };
    expect(manifest.exports['./schema.json']).toBe('./schema.json');
    expect(manifest.publishConfig.exports['./schema.json']).toBe('./schema.json');
    expect(manifest.files).toContain('schema.json');
  });
});
