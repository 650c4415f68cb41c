#!/usr/bin/env node
// The layer rule: which workspace package may depend on which, checked against both the
// package.json dependency fields and the import specifiers in the sources. `pnpm layers`.
//
//   @dk/spec                          contracts, nothing below it
//     ← kits                          templates, provider-utils, storage-utils (spec only)
//     ← implementations               providers-*, storage-*, redis, tools-mcp (spec + their kit
//                                     + their vendor client; never a sibling implementation)
//     ← features                      rag, prompts, conversations, http (never a concrete
//                                     provider or store)
//     ← apps/*                        anything (the composition root)
//   tooling/*                         anything (private: test kit, bench, tsconfig)
//
// Production code (everything in src/ but tests) may import only the packages in its `uses`
// list, and its package.json `dependencies`/`peerDependencies`/`optionalDependencies` may list
// only those. A vendor client (the `vendor` lists) belongs to the packages that name it.
//
// Tests (`*.test.ts`, `*.test-d.ts`, `__fixtures__/`, `src/testing/`) and devDependencies may
// also use any implementation, feature or kit that does not itself depend on the package under
// test (so the graph stays acyclic), `tooling/*` packages (the test kit) and any vendor client,
// never `apps/*`. No file imports another package's files by a relative path.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { listWorkspaces, packageNameOf, repositoryRoot } from './workspace.mjs';

const spec = '@dk/spec';
const templates = '@dk/templates';
const providerUtils = '@dk/provider-utils';
const storageUtils = '@dk/storage-utils';
const storageKysely = '@dk/storage-kysely';

/**
 * Every package under packages/: its layer, the workspace packages its production code may use,
 * and the vendor clients it owns. A new package must be added here.
 */
export const layerTable = {
  [spec]: { layer: 'spec', uses: [] },

  [templates]: { layer: 'kit', uses: [spec] },
  [providerUtils]: { layer: 'kit', uses: [spec] },
  [storageUtils]: { layer: 'kit', uses: [spec] },

  '@dk/providers-echo': { layer: 'implementation', uses: [spec, providerUtils] },
  '@dk/providers-openai': { layer: 'implementation', uses: [spec, providerUtils], vendor: ['openai'] },
  '@dk/providers-anthropic': { layer: 'implementation', uses: [spec, providerUtils], vendor: ['@anthropic-ai/sdk'] },
  '@dk/storage-memory': { layer: 'implementation', uses: [spec, storageUtils] },
  [storageKysely]: { layer: 'implementation', uses: [spec, storageUtils], vendor: ['kysely'] },
  '@dk/storage-sqlite': {
    layer: 'implementation',
    uses: [spec, storageUtils, storageKysely],
    vendor: ['kysely', 'better-sqlite3'],
  },
  '@dk/storage-postgres': {
    layer: 'implementation',
    uses: [spec, storageUtils, storageKysely],
    vendor: ['kysely', 'pg'],
  },
  '@dk/redis': { layer: 'implementation', uses: [spec, storageUtils], vendor: ['ioredis', 'redis'] },
  '@dk/tools-mcp': { layer: 'implementation', uses: [spec], vendor: ['@modelcontextprotocol/sdk'] },

  '@dk/rag': { layer: 'feature', uses: [spec, templates, storageUtils] },
  '@dk/prompts': { layer: 'feature', uses: [spec, templates, '@dk/rag'] },
  '@dk/conversations': { layer: 'feature', uses: [spec, templates] },
  '@dk/http': { layer: 'feature', uses: [spec, '@dk/conversations'] },
};

/**
 * Violations present on main while issue 11's storage restructuring is under way, as
 * `'<from> -> <to>'`. Each must still occur: once fixed, the check asks for its removal.
 */
export const knownViolations = [];

const productionFields = ['dependencies', 'peerDependencies', 'optionalDependencies'];
const sourceExtensions = /\.(?:[cm]?[jt]s|[jt]sx)$/;
const testFile = /(?:\.test|\.test-d|\.bench)\.[cm]?[jt]sx?$/;
const tablePath = 'tooling/scripts/check-layers.mjs';

function isTestPath(path) {
  const parts = path.split(sep);
  return testFile.test(path) || parts.includes('__fixtures__') || path.startsWith(`src${sep}testing${sep}`);
}

function listSourceFiles(directory, base = directory) {
  const files = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...listSourceFiles(path, base));
    else if (sourceExtensions.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(relative(base, path));
  }
  return files;
}

function importSpecifiers(path) {
  const { importedFiles } = ts.preProcessFile(readFileSync(path, 'utf8'), true, true);
  return importedFiles.map((file) => file.fileName);
}

/** The packages `name` depends on through production dependencies, transitively. */
function productionClosure(name, manifestsByName) {
  const seen = new Set();
  const pending = [name];
  while (pending.length > 0) {
    const manifest = manifestsByName.get(pending.pop());
    for (const field of productionFields) {
      for (const dependency of Object.keys(manifest?.[field] ?? {})) {
        if (manifestsByName.has(dependency) && !seen.has(dependency)) {
          seen.add(dependency);
          pending.push(dependency);
        }
      }
    }
  }
  return seen;
}

function checkTable(table) {
  const problems = [];
  for (const [name, entry] of Object.entries(table)) {
    for (const used of entry.uses) {
      if (!(used in table)) problems.push(`${tablePath}: ${name} uses ${used}, which is not in the layer table`);
    }
  }
  // The table itself must be acyclic.
  const visiting = new Set();
  const done = new Set();
  const visit = (name, chain) => {
    if (done.has(name) || !(name in table)) return;
    if (visiting.has(name)) {
      problems.push(`${tablePath}: the layer table has a cycle: ${[...chain, name].join(' -> ')}`);
      return;
    }
    visiting.add(name);
    for (const used of table[name].uses) visit(used, [...chain, name]);
    visiting.delete(name);
    done.add(name);
  };
  for (const name of Object.keys(table)) visit(name, []);
  return problems;
}

/**
 * Checks the workspace at `root` against `table`. Returns `{ problems, stale }`: problems as
 * readable lines (violations listed in `known` are left out), and the entries of `known` that
 * no longer occur.
 */
export function checkLayers({ root = repositoryRoot, table = layerTable, known = knownViolations } = {}) {
  const workspaces = listWorkspaces(root);
  const manifestsByName = new Map(workspaces.map((workspace) => [workspace.name, workspace.manifest]));
  const groupByName = new Map(workspaces.map((workspace) => [workspace.name, workspace.group]));
  const owners = new Map();
  for (const [name, entry] of Object.entries(table)) {
    for (const client of entry.vendor ?? []) owners.set(client, [...(owners.get(client) ?? []), name]);
  }
  const problems = checkTable(table);
  const occurred = new Set();
  const knownSet = new Set(known);

  const report = (from, to, where, message) => {
    const key = `${from} -> ${to}`;
    occurred.add(key);
    if (!knownSet.has(key)) problems.push(`${where}: ${message}`);
  };

  const describe = (name) => (table[name] ? `${name} (${table[name].layer})` : name);
  const reasons = {
    spec: 'the spec depends on no other dk package',
    kit: 'a kit uses only the spec',
    implementation:
      'an implementation uses the spec, its kit and its vendor client, never a sibling implementation or a feature',
    feature: 'a feature never uses a concrete provider or store, or a feature that is not listed',
  };

  /** Why `from`'s production code may not use `to`, or undefined when it may. */
  const productionRefusal = (from, to) => {
    const entry = table[from];
    if (manifestsByName.has(to) || to in table) {
      if (entry.uses.includes(to)) return undefined;
      const allowed = entry.uses.length > 0 ? entry.uses.join(', ') : 'no other dk package';
      return `${describe(from)} may not use ${describe(to)}: it may use only ${allowed} (${reasons[entry.layer]})`;
    }
    const clientOwners = owners.get(to);
    if (clientOwners !== undefined && !clientOwners.includes(from)) {
      return `${describe(from)} may not use the vendor client ${to}: it belongs to ${clientOwners.join(', ')}`;
    }
    return undefined;
  };

  /** Why a test or devDependency of `from` may not use `to`, or undefined when it may. */
  const testRefusal = (from, to) => {
    if (!manifestsByName.has(to)) return undefined; // vendor clients and other externals
    if (to === from) return undefined;
    if (groupByName.get(to) === 'apps') return `${describe(from)} may not use the app ${to}, even in tests`;
    if (productionClosure(to, manifestsByName).has(from)) {
      return `${describe(from)} may not use ${describe(to)} in tests: ${to} depends on ${from} (a cycle)`;
    }
    return undefined;
  };

  for (const workspace of workspaces) {
    if (workspace.group !== 'packages') continue;
    const from = workspace.name;
    if (!(from in table)) {
      problems.push(
        `${workspace.path}: ${from} is not in the layer table; add it to layerTable in ${tablePath} ` +
          `with its layer (kit, implementation or feature) and the packages it may use`,
      );
      continue;
    }
    for (const field of [...productionFields, 'devDependencies']) {
      for (const to of Object.keys(workspace.manifest[field] ?? {})) {
        const refusal = field === 'devDependencies' ? testRefusal(from, to) : productionRefusal(from, to);
        if (refusal !== undefined) report(from, to, `${workspace.path}/package.json ${field}`, refusal);
      }
    }
    for (const file of listSourceFiles(workspace.directory)) {
      const test = isTestPath(file);
      const path = join(workspace.directory, file);
      const where = relative(root, path);
      for (const specifier of new Set(importSpecifiers(path))) {
        const to = packageNameOf(specifier);
        if (to === undefined) {
          if (specifier.startsWith('.') && !resolve(path, '..', specifier).startsWith(workspace.directory + sep)) {
            report(
              from,
              specifier,
              where,
              `imports ${specifier}, outside ${workspace.path}; import the package instead`,
            );
          }
          continue;
        }
        if (to === from) continue;
        const refusal = test ? testRefusal(from, to) : productionRefusal(from, to);
        if (refusal !== undefined) report(from, to, `${where} imports ${specifier}`, refusal);
      }
    }
  }
  const stale = known.filter((key) => !occurred.has(key));
  return { problems, stale };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { problems, stale } = checkLayers();
  for (const key of stale) {
    problems.push(`${tablePath}: known violation "${key}" no longer occurs; remove it from knownViolations`);
  }
  if (problems.length > 0) {
    process.stderr.write(
      `Layer rule: ${problems.length} problem(s) (the rule and the table are in ${tablePath}):\n- ${problems.join('\n- ')}\n`,
    );
    process.exit(1);
  }
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const count = listWorkspaces(root).filter((workspace) => workspace.group === 'packages').length;
  const pending = knownViolations.length > 0 ? ` (${knownViolations.length} known violation(s) pending)` : '';
  process.stdout.write(`layer rule: ${count} packages follow the layer table${pending}\n`);
}
