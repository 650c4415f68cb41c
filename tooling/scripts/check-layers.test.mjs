import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLayers } from './check-layers.mjs';

const roots = [];

/** Writes a workspace: `{ 'packages/x/package.json': {...}, 'packages/x/src/a.ts': '...' }`. */
function workspace(files) {
  const root = mkdtempSync(join(tmpdir(), 'dk-layers-'));
  roots.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return root;
}

function manifest(name, dependencies = {}, devDependencies = {}) {
  return { name, version: '0.1.0', dependencies, devDependencies };
}

/** A workspace that follows the table: spec ← templates ← conversations; echo provider; demo app. */
function validFiles() {
  return {
    'packages/spec/package.json': manifest('@dk/spec'),
    'packages/spec/src/index.ts': 'export const x = 1;\n',
    'packages/templates/package.json': manifest('@dk/templates', { '@dk/spec': 'workspace:*' }),
    'packages/templates/src/index.ts': "import type { X } from '@dk/spec';\nexport * from './render.js';\n",
    'packages/templates/src/render.ts': 'export const render = 1;\n',
    'packages/provider-utils/package.json': manifest('@dk/provider-utils', { '@dk/spec': 'workspace:*' }),
    'packages/provider-utils/src/index.ts': "export { x } from '@dk/spec';\n",
    'packages/providers-echo/package.json': manifest('@dk/providers-echo', {
      '@dk/spec': 'workspace:*',
      '@dk/provider-utils': 'workspace:*',
    }),
    'packages/providers-echo/src/index.ts': "import { x } from '@dk/provider-utils';\nexport const y = x;\n",
    'packages/conversations/package.json': manifest(
      '@dk/conversations',
      { '@dk/spec': 'workspace:*', '@dk/templates': 'workspace:*' },
      { '@dk/providers-echo': 'workspace:*', '@dk/test-kit': 'workspace:*' },
    ),
    'packages/conversations/src/index.ts': "import { render } from '@dk/templates';\nexport const z = render;\n",
    // Tests may use an implementation and the test kit.
    'packages/conversations/src/manager.test.ts':
      "import { y } from '@dk/providers-echo';\nimport { suite } from '@dk/test-kit';\nimport { it } from 'vitest';\n",
    'packages/conversations/src/__fixtures__/store.ts': "export { y } from '@dk/providers-echo';\n",
    'tooling/test-kit/package.json': { ...manifest('@dk/test-kit', { '@dk/spec': 'workspace:*' }), private: true },
    'tooling/test-kit/src/index.ts': "export const suite = 1; import '@dk/providers-echo';\n",
    // The composition root may use anything.
    'apps/demo/package.json': {
      ...manifest('@dk/demo', { '@dk/providers-echo': 'workspace:*', pg: '^8.0.0' }),
      private: true,
    },
    'apps/demo/src/main.ts': "import { y } from '@dk/providers-echo';\nimport pg from 'pg';\n",
  };
}

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('checkLayers', () => {
  it('accepts a workspace that follows the table, with tests using an implementation', () => {
    expect(checkLayers({ root: workspace(validFiles()), known: [] })).toEqual({ problems: [], stale: [] });
  });

  it('catches a feature importing a concrete provider in its sources', () => {
    const root = workspace({
      ...validFiles(),
      'packages/conversations/src/turn.ts': "import { y } from '@dk/providers-echo';\nexport const t = y;\n",
    });
    expect(checkLayers({ root, known: [] }).problems).toEqual([
      expect.stringMatching(
        /^packages\/conversations\/src\/turn\.ts imports @dk\/providers-echo: @dk\/conversations \(feature\) may not use @dk\/providers-echo \(implementation\)/,
      ),
    ]);
  });

  it('catches an implementation depending on a sibling implementation in package.json', () => {
    const files = validFiles();
    files['packages/storage-memory/package.json'] = manifest('@dk/storage-memory', { '@dk/spec': 'workspace:*' });
    files['packages/providers-echo/package.json'].dependencies['@dk/storage-memory'] = 'workspace:*';
    const { problems } = checkLayers({ root: workspace(files), known: [] });
    expect(problems).toEqual([
      expect.stringContaining(
        'packages/providers-echo/package.json dependencies: @dk/providers-echo (implementation) may not use @dk/storage-memory',
      ),
    ]);
  });

  it('catches a kit importing upwards and a vendor client used outside its package', () => {
    const root = workspace({
      ...validFiles(),
      'packages/templates/src/render.ts':
        "import '@dk/conversations';\nimport pg from 'pg';\nexport const render = 1;\n",
    });
    const { problems } = checkLayers({ root, known: [] });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('@dk/templates (kit) may not use @dk/conversations (feature)');
    expect(problems[1]).toContain('may not use the vendor client pg: it belongs to @dk/storage-postgres');
  });

  it('refuses test imports that would make a cycle, and relative imports into another package', () => {
    const root = workspace({
      ...validFiles(),
      'packages/spec/src/spec.test.ts': "import { render } from '@dk/templates';\n",
      'packages/providers-echo/src/echo.ts': "export { render } from '../../templates/src/render.js';\n",
    });
    const { problems } = checkLayers({ root, known: [] });
    expect(problems).toEqual([
      expect.stringContaining(
        'packages/providers-echo/src/echo.ts: imports ../../templates/src/render.js, outside packages/providers-echo',
      ),
      expect.stringContaining(
        '@dk/spec (spec) may not use @dk/templates (kit) in tests: @dk/templates depends on @dk/spec',
      ),
    ]);
  });

  it('fails on a package that is not in the table, saying where to add it', () => {
    const root = workspace({
      ...validFiles(),
      'packages/widgets/package.json': manifest('@dk/widgets', { '@dk/spec': 'workspace:*' }),
    });
    expect(checkLayers({ root, known: [] }).problems).toEqual([
      expect.stringMatching(/^packages\/widgets: @dk\/widgets is not in the layer table; add it to layerTable in /),
    ]);
  });

  it('leaves out known violations and reports those that no longer occur', () => {
    const root = workspace({
      ...validFiles(),
      'packages/conversations/src/turn.ts': "import { y } from '@dk/providers-echo';\n",
    });
    const known = ['@dk/conversations -> @dk/providers-echo', '@dk/templates -> @dk/conversations'];
    expect(checkLayers({ root, known })).toEqual({ problems: [], stale: ['@dk/templates -> @dk/conversations'] });
  });
});
