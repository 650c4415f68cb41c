import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';

/**
 * Every way an application commonly turns an error into text: `util.inspect` at any depth
 * (hidden properties included, so `cause` chains, vendor bodies and headers are shown),
 * `console.error`, `JSON.stringify`, `toJSON()` and `String()`. Returns the names of the
 * renderings that contain one of `secrets` (empty when nothing leaks).
 *
 * @example
 * expect(findSecretLeaks(error, [apiKey])).toEqual([]);
 */
export function findSecretLeaks(error: unknown, secrets: readonly string[]): string[] {
  const renderings: Record<string, () => string> = {
    'util.inspect': () => inspect(error, { depth: Infinity, showHidden: true }),
    'console.error': () => consoleText(error),
    'JSON.stringify': () => JSON.stringify(error) ?? '',
    'toJSON()': () =>
      typeof (error as { toJSON?: unknown }).toJSON === 'function'
        ? JSON.stringify((error as { toJSON(): unknown }).toJSON())
        : '',
    String: () => String(error),
  };
  const leaks: string[] = [];
  for (const [name, render] of Object.entries(renderings)) {
    const text = render();
    if (secrets.some((secret) => secret !== '' && text.includes(secret))) leaks.push(name);
  }
  return leaks;
}

/** What `console.error(error)` prints, captured through a real `Console`. */
function consoleText(error: unknown): string {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  new Console({ stdout: sink, stderr: sink, colorMode: false }).error(error);
  return text;
}
