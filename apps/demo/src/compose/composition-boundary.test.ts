// The design rule of apps/demo: the rest of the app sees contracts; concrete providers and
// stores are imported only by the composition root.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const sourceDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

describe('composition boundary', () => {
  it('only src/compose imports concrete providers and stores', () => {
    const offenders: string[] = [];
    const walk = (directory: string): void => {
      for (const entry of readdirSync(directory, { withFileTypes: true })) {
        const path = join(directory, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
          const file = relative(sourceDir, path);
          if (file.startsWith('compose/')) continue;
          if (/from '@dk\/(providers|storage)-|import\('@dk\/(providers|storage)-/.test(readFileSync(path, 'utf8')))
            offenders.push(file);
        }
      }
    };
    walk(sourceDir);
    expect(offenders).toEqual([]);
  });
});
