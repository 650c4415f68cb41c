import { HttpError } from '@dk/http';
import {
  CompositePromptLibrary,
  FileSystemPromptLibrary,
  formatPromptProblem,
  lintPromptDirectory,
  PromptBuilder,
  resolvePrompt,
} from '@dk/prompts';
import type { PromptKind, PromptLibrary } from '@dk/prompts';
import { readdir } from 'node:fs/promises';
import { basename, dirname, relative, resolve } from 'node:path';
import type { DemoApp } from '../compose/demo-app.js';

const kinds: readonly PromptKind[] = ['system', 'user'];

/** One prompt folder (`prompts/<variant>`): a variant of the prompts, layered over the base folder. */
interface Variant {
  readonly name: string;
  readonly directory: string;
  readonly library: PromptLibrary;
  builder?: Promise<PromptBuilder>;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });
}

function kindOf(value: unknown): PromptKind {
  if (value === 'system' || value === 'user') return value;
  throw new HttpError({ status: 400, code: 'INVALID_FIELD', message: '`kind` must be "system" or "user".' });
}

/**
 * The prompt studio's API: browse the prompt folders (each a variant over `prompts/base`),
 * see a prompt resolved after `extends`, render it with parameters and the live RAG adapter
 * (retrieved documents, scores, warnings), and lint problems.
 *
 * - `GET /prompts` — variants, prompts (with the variants that define them), RAG configs.
 * - `GET /prompt?kind=&name=&variant=` — the definition and the resolved prompt.
 * - `POST /render` `{ kind, name, variant, params }` — the rendered text and its RAG runs.
 * - `GET /lint` — problems per folder.
 * - `GET /traces/{traceId}` — the spans of a recent trace (the studio's trace view).
 */
export class StudioRoutes {
  readonly #app: DemoApp;
  #variants: Promise<Variant[]> | undefined;

  constructor(app: DemoApp) {
    this.#app = app;
  }

  /** Every folder under the prompts root of the configured directories; `base` last. */
  #load(): Promise<Variant[]> {
    this.#variants ??= (async () => {
      const configured = this.#app.libraries.map((library) => library.directory);
      const root = dirname(configured.at(-1) ?? '.');
      const base = configured.at(-1) as string;
      const folders = (await readdir(root, { withFileTypes: true }))
        .filter((entry) => entry.isDirectory())
        .map((entry) => resolve(root, entry.name))
        .sort((left, right) => (left === base ? 1 : right === base ? -1 : left.localeCompare(right)));
      const baseLibrary = new FileSystemPromptLibrary(base, { name: basename(base) });
      return folders.map((directory) => ({
        name: basename(directory),
        directory,
        library:
          directory === base
            ? baseLibrary
            : new CompositePromptLibrary({
                name: basename(directory),
                libraries: [new FileSystemPromptLibrary(directory, { name: basename(directory) }), baseLibrary],
              }),
      }));
    })();
    return this.#variants;
  }

  async #variant(name: unknown): Promise<Variant> {
    const variants = await this.#load();
    const found = variants.find((variant) => variant.name === name) ?? (name === undefined ? variants[0] : undefined);
    if (found === undefined)
      throw new HttpError({
        status: 404,
        code: 'VARIANT_NOT_FOUND',
        message: `No prompt folder "${String(name)}". Known: ${variants.map((variant) => variant.name).join(', ')}.`,
      });
    return found;
  }

  async handle(request: Request, path: string): Promise<Response> {
    const url = new URL(request.url);
    try {
      if (request.method === 'GET' && path === '/prompts') return json(200, await this.#catalog());
      if (request.method === 'GET' && path === '/prompt')
        return json(
          200,
          await this.#prompt(
            kindOf(url.searchParams.get('kind')),
            url.searchParams.get('name') ?? '',
            url.searchParams.get('variant') ?? undefined,
          ),
        );
      if (request.method === 'POST' && path === '/render') {
        const body = (await request.json()) as Record<string, unknown>;
        const params = typeof body['params'] === 'object' && body['params'] !== null ? body['params'] : {};
        return json(
          200,
          await this.#render(
            kindOf(body['kind']),
            String(body['name'] ?? ''),
            body['variant'],
            params as Record<string, unknown>,
          ),
        );
      }
      if (request.method === 'GET' && path === '/lint') return json(200, await this.#lint());
      const trace = /^\/traces\/([0-9a-f]{32})$/.exec(path);
      if (request.method === 'GET' && trace !== null) return json(200, this.#trace(trace[1]!));
      throw new HttpError({ status: 404, code: 'NOT_FOUND', message: `No studio route ${request.method} ${path}.` });
    } catch (error) {
      if (HttpError.isInstance(error))
        return json(error.status, { error: { code: error.code, message: error.message } });
      // Prompt errors (not found, missing parameters, syntax) are what the studio is for: show them.
      const message = error instanceof Error ? error.message : String(error);
      const code = (error as { code?: unknown }).code;
      return json(422, { error: { code: typeof code === 'string' ? code : 'RENDER_FAILED', message } });
    }
  }

  /** The spans of a recent trace from the in-process store (a turn's waterfall). */
  #trace(traceId: string) {
    const spans = this.#app.telemetry.traces.getTrace(traceId);
    if (spans.length === 0)
      throw new HttpError({
        status: 404,
        code: 'TRACE_NOT_FOUND',
        message: `No trace ${traceId} in this server's memory: it keeps the most recent traces since it started (\`telemetry.traceStoreSize\`).`,
      });
    return { traceId, spans };
  }

  /** A library file (relative to the working directory, or absolute) as `<folder>/<kind>/<name>.yaml`. */
  #shown(variant: Variant, file: string): string {
    return relative(dirname(variant.directory), resolve(file));
  }

  async #catalog() {
    const variants = await this.#load();
    const prompts = new Map<string, { kind: PromptKind; name: string; variants: string[] }>();
    for (const variant of variants)
      for (const kind of kinds)
        for (const name of await variant.library.listPrompts(kind)) {
          const entry = await variant.library.getPrompt(kind, name);
          const key = `${kind}/${name}`;
          const item = prompts.get(key) ?? { kind, name, variants: [] };
          // A variant "has" a prompt when its own folder defines it (not only the base).
          if (entry !== undefined && entry.library === variant.name) item.variants.push(variant.name);
          prompts.set(key, item);
        }
    const base = variants.at(-1) as Variant;
    return {
      variants: variants.map((variant) => ({
        name: variant.name,
        active: this.#app.libraries.some((library) => library.directory === variant.directory),
      })),
      prompts: [...prompts.values()],
      ragConfigs: await Promise.all(
        (await base.library.listRagConfigs()).map(async (name) => ({
          name,
          config: (await base.library.getRagConfig(name))?.config,
        })),
      ),
    };
  }

  async #prompt(kind: PromptKind, name: string, variantName: string | undefined) {
    const variant = await this.#variant(variantName);
    const entry = await variant.library.getPrompt(kind, name);
    if (entry === undefined)
      throw new HttpError({
        status: 404,
        code: 'PROMPT_NOT_FOUND',
        message: `No ${kind} prompt "${name}" in ${variant.name}.`,
      });
    const outcome = await resolvePrompt(variant.library, entry, {
      adapterNames: new Set([this.#app.config.rag.adapterName]),
    });
    return {
      kind,
      name,
      variant: variant.name,
      file: this.#shown(variant, entry.file),
      definition: entry.definition,
      resolved:
        outcome.prompt === undefined
          ? null
          : {
              template: outcome.prompt.template,
              defaults: outcome.prompt.defaults,
              validation: outcome.prompt.validation ?? null,
              metadata: outcome.prompt.metadata,
              chain: outcome.prompt.chain.map((link) => ({ ...link, file: this.#shown(variant, link.file) })),
              ragRequests: outcome.prompt.ragRequests,
              contentHash: outcome.prompt.contentHash,
            },
      problems: (outcome.problems ?? []).map(formatPromptProblem),
    };
  }

  async #render(kind: PromptKind, name: string, variantName: unknown, params: Record<string, unknown>) {
    const variant = await this.#variant(variantName);
    variant.builder ??= PromptBuilder.create({
      library: variant.library,
      adapters: [this.#app.corpus],
      ragFailurePolicy: 'omit',
      defaultValidationLevel: 'warn',
    });
    const builder = await variant.builder;
    const started = performance.now();
    const result = await builder.renderPrompt(kind, name, { params });
    return {
      content: result.content,
      missing: result.missing,
      unresolved: result.unresolved,
      warnings: result.warnings,
      contentHash: result.contentHash,
      validationLevel: result.validationLevel,
      durationMs: Math.round(performance.now() - started),
      rag: result.rag.map((run) => ({
        adapterName: run.adapterName,
        configName: run.configName ?? null,
        query: run.query,
        k: run.k,
        scoreThreshold: run.scoreThreshold ?? null,
        status: run.status,
        durationMs: Math.round(run.durationMs * 10) / 10,
        error: run.error?.message ?? null,
        results: run.results.map((item) => ({
          id: item.id ?? null,
          citation: item.citation,
          score: Math.round(item.score * 1000) / 1000,
          source: item.metadata?.['source'] ?? null,
          content: item.content,
        })),
        dropped: run.retrieved.length - run.results.length,
      })),
    };
  }

  async #lint() {
    const variants = await this.#load();
    return {
      folders: await Promise.all(
        variants.map(async (variant) => {
          const report = await lintPromptDirectory(variant.directory, { adapters: [this.#app.config.rag.adapterName] });
          return {
            variant: variant.name,
            fileCount: report.fileCount,
            problems: report.problems.map((problem) => ({
              ...problem,
              file: this.#shown(variant, problem.file),
              text: formatPromptProblem(problem),
            })),
          };
        }),
      ),
    };
  }
}
