import { lintPromptDirectory } from './lint-prompt-directory.js';
import { formatPromptProblem } from './prompt-problem.js';

/** Where the CLI writes. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const usage = `Usage: dk-prompts lint <dir> [--format text|json] [--adapters name,name]

Checks every prompt file under <dir> (system/, user/, rag/): YAML, the file schema, template
syntax, extends chains, sections and RAG refs (and adapter names with --adapters).
Prints each problem as file:line:col message; exits 1 if there are any.
`;

/**
 * The `dk-prompts` command: `lint <dir> [--format text|json] [--adapters a,b]`. Returns the
 * exit code: 0 clean, 1 problems found, 2 usage error.
 */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? io.stderr : io.stdout)(usage);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'lint') {
    io.stderr(`Unknown command "${command}".\n\n${usage}`);
    return 2;
  }
  let format = 'text';
  let adapters: string[] | undefined;
  const positional: string[] = [];
  for (let index = 0; index < rest.length; index++) {
    const argument = rest[index]!;
    const [flag, inline] = argument.startsWith('--')
      ? (argument.split(/=(.*)/s) as [string, string | undefined])
      : [argument, undefined];
    if (flag === '--format' || flag === '--adapters') {
      const value = inline ?? rest[++index];
      if (value === undefined) {
        io.stderr(`${flag} needs a value.\n\n${usage}`);
        return 2;
      }
      if (flag === '--format') format = value;
      else
        adapters = value
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean);
    } else if (flag.startsWith('--')) {
      io.stderr(`Unknown option "${flag}".\n\n${usage}`);
      return 2;
    } else {
      positional.push(argument);
    }
  }
  if (format !== 'text' && format !== 'json') {
    io.stderr(`--format must be "text" or "json", got "${format}".\n`);
    return 2;
  }
  if (positional.length !== 1) {
    io.stderr(`lint needs exactly one directory.\n\n${usage}`);
    return 2;
  }
  const report = await lintPromptDirectory(positional[0]!, { adapters });
  if (format === 'json') {
    io.stdout(`${JSON.stringify({ fileCount: report.fileCount, problems: report.problems }, null, 2)}\n`);
  } else {
    for (const problem of report.problems) io.stdout(`${formatPromptProblem(problem)}\n`);
    const count = report.problems.length;
    io.stdout(
      count === 0
        ? `${report.fileCount} files checked, no problems.\n`
        : `${count} problem${count === 1 ? '' : 's'} in ${report.fileCount} files checked.\n`,
    );
  }
  return report.problems.length > 0 ? 1 : 0;
}
