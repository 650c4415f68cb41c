/** One problem found in a prompt file or a prompt library. */
export interface PromptProblem {
  /** Stable code: `PROMPT_SCHEMA`, `PROMPT_YAML`, `TEMPLATE_SYNTAX`, `EXTENDS_CYCLE`, … */
  readonly code: string;
  /** File the problem is in (`<config:name>` for in-memory libraries). */
  readonly file: string;
  /** 1-based line in the file, when known. */
  readonly line: number | undefined;
  /** 1-based column in the file, when known. */
  readonly column: number | undefined;
  /** Field path, e.g. `validation.level` or `rag_configs[0].k`; empty for the whole file. */
  readonly path: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

/** `file:line:col message` (the position parts only when known), the format `dk-prompts lint` prints. */
export function formatPromptProblem(problem: PromptProblem): string {
  const position = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}:${problem.column ?? 1}`;
  return `${position} ${problem.path ? `${problem.path}: ` : ''}${problem.message}`;
}
