#!/usr/bin/env node
// Package hygiene: workspace consistency, then publint and are-the-types-wrong on the exact
// tarball `pnpm pack` produces for each published package (publishConfig applied).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const root = new URL('../..', import.meta.url).pathname;
const problems = [];

function readManifest(directory) {
  return JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8'));
}

const workspaces = ['packages', 'apps', 'tooling'].flatMap((group) =>
  existsSync(join(root, group))
    ? readdirSync(join(root, group), { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && existsSync(join(root, group, entry.name, 'package.json')))
        .map((entry) => join(root, group, entry.name))
    : [],
);
const manifests = new Map(workspaces.map((directory) => [directory, readManifest(directory)]));
const workspaceNames = new Set([...manifests.values()].map((manifest) => manifest.name));
const externalRanges = new Map();

function noteRange(name, range, where) {
  const seen = externalRanges.get(name) ?? new Map();
  seen.set(range, [...(seen.get(range) ?? []), where]);
  externalRanges.set(name, seen);
}

for (const [name, range] of Object.entries(readManifest(root).devDependencies ?? {})) {
  noteRange(name, range, 'package.json');
}

for (const [directory, manifest] of manifests) {
  const where = relative(root, directory);
  const published = manifest.private !== true;
  if (directory.startsWith(join(root, 'packages')) && !published)
    problems.push(`${where}: packages/* must be published (remove "private")`);
  if (!directory.startsWith(join(root, 'packages')) && published)
    problems.push(`${where}: apps/* and tooling/* must be "private": true`);
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, range] of Object.entries(manifest[field] ?? {})) {
      if (workspaceNames.has(name)) {
        if (field !== 'peerDependencies' && range !== 'workspace:*') {
          problems.push(`${where}: ${field}.${name} is "${range}"; internal dependencies use "workspace:*"`);
        }
        if (
          published &&
          field === 'dependencies' &&
          readManifest([...manifests].find(([, m]) => m.name === name)[0]).private
        ) {
          problems.push(`${where}: published package depends on private ${name}`);
        }
      } else if (field !== 'peerDependencies') {
        noteRange(name, range, `${where} (${field})`);
      }
    }
  }
  if (!published) continue;
  const required = { type: 'module', sideEffects: false };
  for (const [key, value] of Object.entries(required)) {
    if (manifest[key] !== value) problems.push(`${where}: "${key}" must be ${JSON.stringify(value)}`);
  }
  if (!/^@dk\/[a-z0-9-]+$/.test(manifest.name)) problems.push(`${where}: name must be @dk/<kebab-case>`);
  if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(manifest.version ?? '')) problems.push(`${where}: version must be semver`);
  for (const key of ['description', 'license', 'files', 'exports', 'engines']) {
    if (manifest[key] === undefined) problems.push(`${where}: "${key}" is missing`);
  }
  if (!manifest.publishConfig?.exports)
    problems.push(`${where}: publishConfig.exports (the published export map) is missing`);
  if (manifest.exports?.['./package.json'] !== './package.json')
    problems.push(`${where}: exports must include "./package.json"`);
  if (!existsSync(join(directory, 'README.md'))) problems.push(`${where}: README.md is missing`);
}

for (const [name, ranges] of externalRanges) {
  if (ranges.size > 1) {
    const detail = [...ranges].map(([range, places]) => `${range} in ${places.join(', ')}`).join('; ');
    problems.push(`dependency ${name} has different ranges across the workspace: ${detail}`);
  }
}

const packDirectory = mkdtempSync(join(tmpdir(), 'dk-pack-'));
try {
  for (const [directory, manifest] of manifests) {
    if (manifest.private === true) continue;
    const where = relative(root, directory);
    const output = execFileSync('pnpm', ['pack', '--pack-destination', packDirectory], {
      cwd: directory,
      encoding: 'utf8',
    });
    const tarball = output.trim().split('\n').pop().trim();
    const tarballPath = tarball.startsWith('/') ? tarball : join(packDirectory, tarball);
    const bytes = readFileSync(tarballPath);
    const { messages, pkg } = await publint({
      pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) },
      level: 'suggestion',
      strict: true,
    });
    for (const message of messages) problems.push(`${where}: publint: ${formatMessage(message, pkg)}`);
    try {
      execFileSync(join(root, 'node_modules/.bin/attw'), [tarballPath, '--profile', 'esm-only', '--format', 'ascii'], {
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (error) {
      problems.push(`${where}: are-the-types-wrong:\n${error.stdout}${error.stderr}`);
    }
    process.stdout.write(`checked ${manifest.name}@${manifest.version}\n`);
  }
} finally {
  rmSync(packDirectory, { recursive: true, force: true });
}

if (problems.length > 0) {
  process.stderr.write(`\nPackage hygiene found ${problems.length} problem(s):\n- ${problems.join('\n- ')}\n`);
  process.exit(1);
}
process.stdout.write(`package hygiene: ${manifests.size} workspace packages consistent\n`);
