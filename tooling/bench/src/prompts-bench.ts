// Prompt-library benchmark: loading and checking 1,000 prompt files (vs. reading and parsing
// the same files without checks, with the yaml package the library uses and with js-yaml), a
// PromptBuilder render vs. a bare renderTemplate of the same prompt (no RAG), and a BM25 query
// over 10,000 documents (vs. a linear substring scan).
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigPromptLibrary, FileSystemPromptLibrary, PromptBuilder } from '@dk/prompts';
import { InMemorySearchAdapter } from '@dk/rag';
import { renderTemplate } from '@dk/templates';
import { load as loadJsYaml, CORE_SCHEMA } from 'js-yaml';
import { parse as parseYaml } from 'yaml';
import { median, random } from './bench-stats.js';

let sink = 0;

function promptFile(index: number): string {
  const kind = index % 5;
  if (kind === 0 && index > 0) {
    return `extends: prompt_${index - 5}\nsections:\n  ROLE: "You are assistant number ${index} for {{domain}}."\ndefaults:\n  tone: friendly\n`;
  }
  return [
    '# generated prompt',
    'template: |',
    '  {{ROLE}}',
    '',
    `  Task ${index}: review the {{language}} code below((, following {{style_guide}})).`,
    '  Focus on correctness, security and performance.',
    '',
    '  {{code}}',
    '',
    '  ((Be {{tone}}.))',
    'sections:',
    `  ROLE: "You are an expert {{domain}} reviewer (${index})."`,
    'defaults:',
    '  language: Python',
    '  domain: software',
    'validation:',
    '  level: warn',
    '  required_params: [code]',
    '  optional_params: [style_guide, tone]',
    'metadata:',
    `  description: "Generated prompt ${index}"`,
    '  parameters:',
    '    code: {type: string, description: "Source code to review"}',
    ...(index % 3 === 0 ? ['rag_config_refs: [docs_search]'] : []),
    '',
  ].join('\n');
}

function writeTree(count: number): string {
  const root = mkdtempSync(join(tmpdir(), 'dk-bench-prompts-'));
  for (const folder of ['system', 'user', 'rag']) mkdirSync(join(root, folder));
  writeFileSync(
    join(root, 'rag', 'docs_search.yaml'),
    'adapter_name: docs\nquery: "{{language}} {{topic}}"\nk: 5\nscore_threshold: 0.5\n',
  );
  for (let index = 0; index < count - 1; index++) {
    writeFileSync(
      join(root, index % 2 === 0 ? 'system' : 'user', `prompt_${index}.yaml`),
      promptFile(index % 2 === 0 ? index : index - 1),
    );
  }
  return root;
}

async function benchLoad(): Promise<void> {
  const count = 1000;
  const root = writeTree(count);
  try {
    // Warm up module code paths (ajv compile, yaml) once.
    await new FileSystemPromptLibrary(root).load();
    const samples = { checked: [] as number[], yaml: [] as number[], jsYaml: [] as number[] };
    const cpu = { checked: [] as number[], yaml: [] as number[], jsYaml: [] as number[] };
    const readAll = (parse: (text: string) => unknown) => {
      for (const folder of ['system', 'user', 'rag']) {
        for (const name of readdirSync(join(root, folder)))
          sink += JSON.stringify(parse(readFileSync(join(root, folder, name), 'utf8'))).length;
      }
    };
    // Wall time and CPU time (process-wide, GC threads included): the CPU figure moves less
    // with the load of a shared machine.
    const measure = async (key: keyof typeof samples, run: () => unknown) => {
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      await run();
      samples[key].push(performance.now() - start);
      const used = process.cpuUsage(cpuStart);
      cpu[key].push((used.user + used.system) / 1000);
    };
    for (let round = 0; round < 9; round++) {
      await measure('checked', async () => {
        const library = new FileSystemPromptLibrary(root);
        await library.load();
        sink += (await library.listPrompts('system')).length;
      });
      await measure('yaml', () => readAll((text) => parseYaml(text)));
      await measure('jsYaml', () => readAll((text) => loadJsYaml(text, { schema: CORE_SCHEMA })));
    }
    const yamlMs = median(samples.yaml);
    const row = (label: string, key: keyof typeof samples, goal: string) =>
      `| ${label} | ${median(samples[key]).toFixed(1)} | ${median(cpu[key]).toFixed(1)} | ${(median(samples[key]) / yamlMs).toFixed(2)}× | ${goal} |\n`;
    const loadMs = median(samples.checked);
    process.stdout.write(
      '| load + check 1,000 prompt files | median ms | median CPU ms | ratio | goal |\n|---|---:|---:|---:|---|\n',
    );
    process.stdout.write(row('read + parse with the yaml package, no checks (baseline)', 'yaml', ''));
    process.stdout.write(row('read + parse with js-yaml, no checks (not used; for comparison)', 'jsYaml', ''));
    process.stdout.write(
      row(
        'FileSystemPromptLibrary.load() (yaml package, schema, templates, extends)',
        'checked',
        `< 300 ms: ${loadMs < 300 ? 'met' : 'NOT met'}`,
      ),
    );
    process.stdout.write('\n');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function benchRender(): Promise<void> {
  const template = [
    'You are an expert {{domain}} reviewer specialising in {{language}}.',
    '',
    'Review the code below((, following {{style_guide}})). Report:',
    '1. Correctness and bugs',
    '2. Best practices and style',
    '3. Security vulnerabilities',
    '4. Performance issues',
    '',
    'Code from {{user.name}} ({{user.team}}):',
    '{{code}}',
    '',
    '((Focus on {{aspect}}.))',
    'Answer in {{output_language}}. Today is {{date}}.',
  ].join('\n');
  const defaults = { language: 'Python', domain: 'software', output_language: 'English' };
  const validation = { level: 'warn' as const, required_params: ['code'], optional_params: ['style_guide', 'aspect'] };
  const builder = new PromptBuilder({
    library: new ConfigPromptLibrary({ system: { reviewer: { template, defaults, validation } } }),
  });
  const params = {
    code: 'def add(a, b):\n    return a + b\n'.repeat(8),
    user: { name: 'Ann', team: 'core' },
    style_guide: 'PEP 8',
    aspect: 'naming',
    date: '2026-01-01',
  };
  const renderOptions = {
    defaults,
    validation: { level: validation.level, required: validation.required_params, optional: validation.optional_params },
  };
  const direct = renderTemplate(template, params, renderOptions).content;
  const built = (await builder.renderSystemPrompt('reviewer', { params })).content;
  if (direct !== built) throw new Error('builder and renderTemplate disagree; the comparison would be meaningless');
  const batch = 2000;
  const builderSamples: number[] = [];
  const directSamples: number[] = [];
  for (let warm = 0; warm < 5000; warm++) {
    sink += renderTemplate(template, params, renderOptions).content.length;
    sink += (await builder.renderSystemPrompt('reviewer', { params })).content.length;
  }
  for (let round = 0; round < 21; round++) {
    let start = process.hrtime.bigint();
    for (let k = 0; k < batch; k++) sink += (await builder.renderSystemPrompt('reviewer', { params })).content.length;
    builderSamples.push(Number(process.hrtime.bigint() - start) / batch);
    start = process.hrtime.bigint();
    for (let k = 0; k < batch; k++) sink += renderTemplate(template, params, renderOptions).content.length;
    directSamples.push(Number(process.hrtime.bigint() - start) / batch);
  }
  const builderNs = median(builderSamples);
  const directNs = median(directSamples);
  const ratio = builderNs / directNs;
  process.stdout.write('| render (no RAG) | median ns/render | ratio | goal |\n|---|---:|---:|---|\n');
  process.stdout.write(`| renderTemplate (baseline) | ${directNs.toFixed(0)} | 1.00× | |\n`);
  process.stdout.write(
    `| PromptBuilder.renderSystemPrompt | ${builderNs.toFixed(0)} | ${ratio.toFixed(2)}× | < 2×: ${ratio < 2 ? 'met' : 'NOT met'} |\n\n`,
  );
}

async function benchSearch(): Promise<void> {
  const next = random(42);
  const vocabulary = Array.from({ length: 5000 }, (_, index) => `w${index.toString(36)}`);
  // Zipf-like word choice: low indexes are common, high ones rare.
  const word = () => vocabulary[Math.floor(vocabulary.length * next() ** 3)]!;
  const documents = Array.from({ length: 10_000 }, (_, index) => ({
    id: `doc-${index}`,
    content: Array.from({ length: 40 + Math.floor(next() * 80) }, word).join(' '),
    metadata: { type: index % 2 === 0 ? 'docs' : 'code' },
  }));
  const indexStart = performance.now();
  const adapter = new InMemorySearchAdapter({ name: 'bench', documents });
  const indexMs = performance.now() - indexStart;
  const queries = Array.from({ length: 200 }, () => `${word()} ${word()} ${word()}`);
  for (const query of queries.slice(0, 20)) sink += (await adapter.search(query, { k: 5 })).length;
  const bm25: number[] = [];
  const scan: number[] = [];
  for (const query of queries) {
    let start = process.hrtime.bigint();
    sink += (await adapter.search(query, { k: 5 })).length;
    bm25.push(Number(process.hrtime.bigint() - start) / 1e6);
    const terms = query.split(' ');
    start = process.hrtime.bigint();
    let hits = 0;
    for (const document of documents) if (terms.some((term) => document.content.includes(term))) hits++;
    sink += hits;
    scan.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const bm25Ms = median(bm25);
  const scanMs = median(scan);
  process.stdout.write(
    '| search 10,000 documents (k = 5) | median ms/query | vs. linear substring scan |\n|---|---:|---:|\n',
  );
  process.stdout.write(
    `| InMemorySearchAdapter BM25 (index built in ${indexMs.toFixed(0)} ms) | ${bm25Ms.toFixed(3)} | ${(bm25Ms / scanMs).toFixed(2)}× (${scanMs.toFixed(3)} ms) |\n`,
  );
}

/** Runs the prompts benchmark and prints its tables. */
export async function runPromptsBench(): Promise<void> {
  await benchLoad();
  await benchRender();
  await benchSearch();
  if (sink === -1) process.stdout.write('');
}
