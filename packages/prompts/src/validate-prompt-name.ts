import { InvalidPromptNameError } from './invalid-prompt-name-error.js';

const segmentPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
// Every segment starts with a letter, digit or _, so "." and ".." segments cannot match.
const validNamePattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$/;

/**
 * Checks a prompt or RAG config name: `/`-separated segments of letters, digits, `_`, `-`,
 * `.`; no empty, `.` or `..` segment, no leading `/`, no backslash or drive letter. Throws
 * {@link InvalidPromptNameError}, so a name can never reach outside a library's folder.
 */
export function validatePromptName(name: string): void {
  if (typeof name === 'string' && validNamePattern.test(name)) return;
  if (typeof name !== 'string' || name === '')
    throw new InvalidPromptNameError({ name: String(name), reason: 'it is empty' });
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name))
    throw new InvalidPromptNameError({ name, reason: 'it is an absolute path' });
  if (name.includes('\\')) throw new InvalidPromptNameError({ name, reason: 'it contains a backslash' });
  for (const segment of name.split('/')) {
    if (segment === '..' || segment === '.')
      throw new InvalidPromptNameError({ name, reason: `it contains a "${segment}" segment` });
    if (!segmentPattern.test(segment))
      throw new InvalidPromptNameError({
        name,
        reason:
          segment === '' ? 'it has an empty segment' : `segment "${segment}" has characters outside A-Z a-z 0-9 _ - .`,
      });
  }
}
