import type { Writable } from 'node:stream';
import type { IndexProgress } from '../compose/load-corpus.js';

/**
 * A progress indicator for corpus indexing: a redrawn bar on a terminal, a single summary
 * line otherwise (logs and tests).
 */
export function progressBar(output: Writable & { readonly isTTY?: boolean }, label: string): IndexProgress {
  const started = performance.now();
  return (done, total, file) => {
    if (output.isTTY === true) {
      const width = 20;
      const filled = total === 0 ? width : Math.round((done / total) * width);
      output.write(
        `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${file.padEnd(20)}`,
      );
      if (done === total) output.write('\n');
    } else if (done === total) {
      output.write(`${label}: ${total} files indexed in ${Math.round(performance.now() - started)} ms\n`);
    }
  };
}
