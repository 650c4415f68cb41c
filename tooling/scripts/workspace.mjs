// The workspace as the hygiene scripts see it: every folder of packages/, apps/ and tooling/
// with a package.json, its manifest, and whether it is published.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is tooling/scripts/workspace.mjs). */
export const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Where the published packages live on GitHub (repository, homepage, bugs fields). */
export const repositoryUrl = 'https://github.com/dk-llm/dk';

export const workspaceGroups = ['packages', 'apps', 'tooling'];

export function readManifest(directory) {
  return JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8'));
}

/**
 * Lists the workspace packages under `root`: `{ directory, path, group, manifest, published }`,
 * `path` relative to the root (`packages/spec`), `published` unless `"private": true`.
 */
export function listWorkspaces(root = repositoryRoot) {
  return workspaceGroups.flatMap((group) =>
    existsSync(join(root, group))
      ? readdirSync(join(root, group), { withFileTypes: true })
          .filter((entry) => entry.isDirectory() && existsSync(join(root, group, entry.name, 'package.json')))
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((entry) => {
            const directory = join(root, group, entry.name);
            const manifest = readManifest(directory);
            return {
              directory,
              path: relative(root, directory),
              group,
              manifest,
              name: manifest.name,
              published: manifest.private !== true,
            };
          })
      : [],
  );
}

/** The package name of an import specifier (`@dk/x/sub` → `@dk/x`, `pg` → `pg`), or undefined for paths. */
export function packageNameOf(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Packs a published workspace package with `pnpm pack` into `destination`; returns the tarball's path. */
export function packWorkspace(workspace, destination) {
  const output = execFileSync('pnpm', ['pack', '--pack-destination', destination], {
    cwd: workspace.directory,
    encoding: 'utf8',
  });
  const tarball = output.trim().split('\n').pop().trim();
  return tarball.startsWith('/') ? tarball : join(destination, tarball);
}
