import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A note saved by the `save_note` tool. */
export interface Note {
  readonly text: string;
  readonly conversationId: string;
  readonly savedAt: string;
}

/** Where `save_note` keeps notes: a JSON-lines file next to the SQLite database, or memory. */
export class NotesStore {
  readonly #path: string | undefined;
  readonly #memory: Note[] = [];

  /** `path`: a JSON-lines file (created on first save); without it notes live in memory. */
  constructor(path?: string) {
    this.#path = path;
  }

  async save(note: Note): Promise<void> {
    if (this.#path === undefined) {
      this.#memory.push(note);
      return;
    }
    await mkdir(dirname(this.#path), { recursive: true });
    await appendFile(this.#path, `${JSON.stringify(note)}\n`);
  }

  /** Every saved note, oldest first. */
  async list(): Promise<Note[]> {
    if (this.#path === undefined) return [...this.#memory];
    try {
      return (await readFile(this.#path, 'utf8'))
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Note);
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return [];
      throw error;
    }
  }
}
