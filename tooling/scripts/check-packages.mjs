#!/usr/bin/env node
// Package hygiene, part of `pnpm hygiene` (after the build):
// 1. every workspace manifest: internal dependencies `workspace:*`, one range per external
//    dependency, apps/tooling private, packages/* published with the packaging fields
//    (repository with directory, homepage, bugs, keywords, …) and export maps whose
//    conditions put `types` first and end with `default` (so `require` works on Node 20.19+);
// 2. every published README opens with purpose, Install and a short Quick start;
// 3. the exact tarball `pnpm pack` produces (publishConfig applied, `workspace:*` replaced):
//    publint, are-the-types-wrong, no tests, no source maps without their sources.
// The tarballs are left in .tmp/tarballs for check-tarballs.mjs.
//
// `--fix` writes the mechanical fields (repository, homepage, bugs, `default` conditions, the
// map exclusion in `files`) into the manifests and makes tsconfigs extend @dk/tsconfig by name;
// keywords and READMEs stay hand-written.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { readReadmeOpening } from './readme-opening.mjs';
import { listWorkspaces, packWorkspace, readManifest, repositoryRoot as root, repositoryUrl } from './workspace.mjs';

const tarballDirectory = join(root, '.tmp', 'tarballs');

const fix = process.argv.includes('--fix');
const problems = [];
const workspaces = listWorkspaces(root);
const byName = new Map(workspaces.map((workspace) => [workspace.name, workspace]));
const externalRanges = new Map();

function noteRange(name, range, where) {
  const seen = externalRanges.get(name) ?? new Map();
  seen.set(range, [...(seen.get(range) ?? []), where]);
  externalRanges.set(name, seen);
}

/** The fields every published manifest has, derived from where it lives. */
function linkFields(path) {
  return {
    homepage: `${repositoryUrl}/tree/main/${path}#readme`,
    bugs: { url: `${repositoryUrl}/issues` },
    repository: { type: 'git', url: `git+${repositoryUrl}.git`, directory: path },
  };
}

/** Visits every conditions object of an export map: `visit(conditions, subpath)`. */
function forEachConditions(exportsField, visit, subpath = '.') {
  if (exportsField === null || typeof exportsField !== 'object') return;
  const keys = Object.keys(exportsField);
  if (keys.every((key) => key.startsWith('.'))) {
    for (const key of keys) forEachConditions(exportsField[key], visit, key);
    return;
  }
  visit(exportsField, subpath);
  for (const value of Object.values(exportsField)) {
    if (value !== null && typeof value === 'object') forEachConditions(value, visit, subpath);
  }
}

/** Renames a lone `import` condition to `default` in place, keeping the key order. */
function addDefaultCondition(conditions) {
  if ('default' in conditions || !('import' in conditions) || 'require' in conditions) return conditions;
  return Object.fromEntries(
    Object.entries(conditions).map(([key, value]) => [key === 'import' ? 'default' : key, value]),
  );
}

function fixExports(exportsField) {
  if (exportsField === null || typeof exportsField !== 'object') return exportsField;
  const fixed = Object.fromEntries(Object.entries(exportsField).map(([key, value]) => [key, fixExports(value)]));
  return Object.keys(fixed).every((key) => key.startsWith('.')) ? fixed : addDefaultCondition(fixed);
}

/** `manifest` with the link fields set, placed after `license` (or last). */
function withLinkFields(manifest, links) {
  const result = {};
  for (const [key, value] of Object.entries(manifest)) {
    if (key in links) continue;
    result[key] = value;
    if (key === 'license') Object.assign(result, links);
  }
  return { ...result, ...links };
}

function fixManifest(workspace) {
  const manifest = withLinkFields(workspace.manifest, linkFields(workspace.path));
  manifest.exports = fixExports(manifest.exports);
  if (manifest.publishConfig?.exports) {
    manifest.publishConfig = { ...manifest.publishConfig, exports: fixExports(manifest.publishConfig.exports) };
  }
  if (Array.isArray(manifest.files) && !manifest.files.includes('!dist/**/*.map')) {
    const at = manifest.files.indexOf('dist');
    manifest.files = [...manifest.files.slice(0, at + 1), '!dist/**/*.map', ...manifest.files.slice(at + 1)];
  }
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  if (text !== readFileSync(join(workspace.directory, 'package.json'), 'utf8')) {
    writeFileSync(join(workspace.directory, 'package.json'), text);
    process.stdout.write(`fixed ${workspace.path}/package.json\n`);
  }
  workspace.manifest = manifest;
}

function checkExportMap(where, field, exportsField, { workspaceMap }) {
  if (exportsField?.['./package.json'] !== './package.json')
    problems.push(`${where}: ${field} must include "./package.json"`);
  forEachConditions(exportsField, (conditions, subpath) => {
    const keys = Object.keys(conditions);
    const published = keys.filter((key) => key !== '@dk/source');
    // A subpath that exists only under `@dk/source` (e.g. `./testing`) is for the workspace's tests.
    if (workspaceMap && published.length === 0) return;
    if (workspaceMap && keys[0] !== '@dk/source') {
      problems.push(`${where}: ${field}["${subpath}"] must list "@dk/source" first`);
    }
    if (published.includes('types') && published[0] !== 'types') {
      problems.push(`${where}: ${field}["${subpath}"] must list "types" first (after "@dk/source")`);
    }
    if (published.at(-1) !== 'default') {
      problems.push(
        `${where}: ${field}["${subpath}"] needs a "default" condition, last, so require() works on Node 20.19+ ` +
          '(run `node tooling/scripts/check-packages.mjs --fix`)',
      );
    }
  });
}

/**
 * Each workspace's tsconfig*.json extends the shared settings through the package name
 * (`@dk/tsconfig/package.base.json`), which keeps its @dk/tsconfig devDependency real.
 */
function checkTsconfigs(workspace) {
  if (workspace.name === '@dk/tsconfig') return;
  for (const file of readdirSync(workspace.directory).filter((name) => /^tsconfig.*\.json$/.test(name))) {
    const path = join(workspace.directory, file);
    const text = readFileSync(path, 'utf8');
    const relativeExtends = /"extends":\s*"(?:\.\.\/)+tooling\/tsconfig\/([\w.-]+)"/;
    if (!relativeExtends.test(text)) continue;
    if (fix) {
      writeFileSync(path, text.replace(relativeExtends, '"extends": "@dk/tsconfig/$1"'));
      process.stdout.write(`fixed ${workspace.path}/${file}\n`);
    } else {
      problems.push(
        `${workspace.path}/${file}: extend "@dk/tsconfig/${relativeExtends.exec(text)[1]}" by package name ` +
          '(run `node tooling/scripts/check-packages.mjs --fix`)',
      );
    }
  }
}

function checkManifest(workspace) {
  const { manifest, path: where, published } = workspace;
  if (workspace.group === 'packages' && !published)
    problems.push(`${where}: packages/* must be published (remove "private")`);
  if (workspace.group !== 'packages' && published)
    problems.push(`${where}: apps/* and tooling/* must be "private": true`);
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, range] of Object.entries(manifest[field] ?? {})) {
      if (byName.has(name)) {
        if (field !== 'peerDependencies' && range !== 'workspace:*') {
          problems.push(`${where}: ${field}.${name} is "${range}"; internal dependencies use "workspace:*"`);
        }
        if (published && field === 'dependencies' && !byName.get(name).published) {
          problems.push(`${where}: published package depends on private ${name}`);
        }
      } else if (field !== 'peerDependencies') {
        noteRange(name, range, `${where} (${field})`);
      }
    }
  }
  if (!published) return;
  const required = { type: 'module', sideEffects: false };
  for (const [key, value] of Object.entries(required)) {
    if (manifest[key] !== value) problems.push(`${where}: "${key}" must be ${JSON.stringify(value)}`);
  }
  if (!/^@dk\/[a-z0-9-]+$/.test(manifest.name)) problems.push(`${where}: name must be @dk/<kebab-case>`);
  if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(manifest.version ?? '')) problems.push(`${where}: version must be semver`);
  for (const key of ['description', 'license', 'files', 'exports', 'engines']) {
    if (manifest[key] === undefined) problems.push(`${where}: "${key}" is missing`);
  }
  for (const [key, value] of Object.entries(linkFields(where))) {
    if (JSON.stringify(manifest[key]) !== JSON.stringify(value)) {
      problems.push(
        `${where}: "${key}" must be ${JSON.stringify(value)} (run \`node tooling/scripts/check-packages.mjs --fix\`)`,
      );
    }
  }
  if (!Array.isArray(manifest.keywords) || manifest.keywords.length < 3 || !manifest.keywords.includes('dk')) {
    problems.push(`${where}: "keywords" must list at least three search terms, "dk" among them`);
  }
  if (!manifest.publishConfig?.exports) {
    problems.push(`${where}: publishConfig.exports (the published export map) is missing`);
  }
  checkExportMap(where, 'exports', manifest.exports, { workspaceMap: true });
  checkExportMap(where, 'publishConfig.exports', manifest.publishConfig?.exports, { workspaceMap: false });
  const readme = join(workspace.directory, 'README.md');
  if (!existsSync(readme)) problems.push(`${where}: README.md is missing`);
  else {
    for (const problem of readReadmeOpening(manifest.name, readFileSync(readme, 'utf8')).problems) {
      problems.push(`${where}/${problem}`);
    }
  }
}

const testFile = /(?:^|\/)(?:__fixtures__|__tests__)\/|\.test(?:-d)?\.[cm]?[jt]sx?$|\.tsbuildinfo$/;

/** What must not be in a tarball: tests, fixtures, build info, and maps whose sources are not shipped. */
function checkTarballContents(where, tarballPath, manifest) {
  const files = execFileSync('tar', ['-tzf', tarballPath], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((file) => file.replace(/^package\//, ''));
  const shipped = new Set(files);
  const publishesTesting = Object.keys(manifest.publishConfig?.exports ?? {}).includes('./testing');
  for (const file of files) {
    if (testFile.test(file)) problems.push(`${where}: tarball ships ${file} (tests and fixtures stay out)`);
    if (!publishesTesting && /(?:^|\/)testing\//.test(file))
      problems.push(`${where}: tarball ships ${file}, but ./testing is not published`);
    if (file.endsWith('.map')) {
      const map = JSON.parse(execFileSync('tar', ['-xOzf', tarballPath, `package/${file}`], { encoding: 'utf8' }));
      const directory = file.split('/').slice(0, -1).join('/');
      const missing = (map.sources ?? []).filter((source) => {
        const resolved = new URL(`${map.sourceRoot ?? ''}${source}`, `file:///${directory}/`).pathname.slice(1);
        return !shipped.has(resolved);
      });
      if (missing.length > 0) {
        problems.push(
          `${where}: tarball ships ${file}, whose sources (${missing.join(', ')}) it does not ship; exclude maps`,
        );
      }
    }
  }
  return files.length;
}

if (fix) for (const workspace of workspaces) if (workspace.published) fixManifest(workspace);

for (const [name, range] of Object.entries(readManifest(root).devDependencies ?? {}))
  noteRange(name, range, 'package.json');
for (const workspace of workspaces) {
  checkTsconfigs(workspace);
  checkManifest(workspace);
}
for (const [name, ranges] of externalRanges) {
  if (ranges.size > 1) {
    const detail = [...ranges].map(([range, places]) => `${range} in ${places.join(', ')}`).join('; ');
    problems.push(`dependency ${name} has different ranges across the workspace: ${detail}`);
  }
}

rmSync(tarballDirectory, { recursive: true, force: true });
mkdirSync(tarballDirectory, { recursive: true });
for (const workspace of workspaces) {
  if (!workspace.published) continue;
  const { manifest, path: where } = workspace;
  const tarballPath = packWorkspace(workspace, tarballDirectory);
  const bytes = readFileSync(tarballPath);
  const { messages, pkg } = await publint({
    pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) },
    level: 'suggestion',
    strict: true,
  });
  for (const message of messages) problems.push(`${where}: publint: ${formatMessage(message, pkg)}`);
  try {
    // esm-only: attw's TypeScript predates require(esm), so it would flag the CommonJS view of
    // every ES module; check-tarballs.mjs proves require() with Node itself.
    execFileSync(join(root, 'node_modules/.bin/attw'), [tarballPath, '--profile', 'esm-only', '--format', 'ascii'], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
  } catch (error) {
    problems.push(`${where}: are-the-types-wrong:\n${error.stdout}${error.stderr}`);
  }
  const count = checkTarballContents(where, tarballPath, manifest);
  process.stdout.write(`checked ${manifest.name}@${manifest.version} (${count} files, ${bytes.length} bytes packed)\n`);
}

if (problems.length > 0) {
  process.stderr.write(`\nPackage hygiene found ${problems.length} problem(s):\n- ${problems.join('\n- ')}\n`);
  process.exit(1);
}
process.stdout.write(
  `package hygiene: ${workspaces.length} workspace packages consistent; tarballs in .tmp/tarballs\n`,
);
