import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

const types: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Client-side routes of the single-page app: they all load `index.html`. */
const appRoutes = /^\/(?:c\/[A-Za-z0-9_-]{1,128}|studio(?:\/.*)?)?$/;

/** A file of the built web app (`dist/web`), or `undefined` when there is none for `path`. */
export async function staticFile(
  root: string,
  path: string,
): Promise<{ readonly body: Buffer; readonly type: string; readonly immutable: boolean } | undefined> {
  const file = appRoutes.test(path) ? 'index.html' : normalize(decodeURIComponent(path)).replace(/^[/\\]+/, '');
  if (file.split(sep).includes('..')) return undefined;
  const type = types[extname(file)];
  if (type === undefined) return undefined;
  try {
    const body = await readFile(join(root, file));
    // Vite puts a content hash in every asset name under assets/: cache those for good.
    return { body, type, immutable: file.startsWith(`assets${sep}`) };
  } catch {
    return undefined;
  }
}
