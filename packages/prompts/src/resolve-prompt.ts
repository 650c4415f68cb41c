import { createHash } from 'node:crypto';
import { normalizeRagConfig } from '@dk/rag';
import { closestNames } from '@dk/spec';
import type { RagConfig, RagSearchRequest } from '@dk/rag';
import { expandSections } from './expand-sections.js';
import type { PromptDefinition, PromptKind, PromptMetadata, PromptValidation } from './prompt-definition.js';
import type { PromptEntry, PromptLibrary, PromptLookupOptions, RagConfigEntry } from './prompt-library.js';
import type { PromptProblem } from './prompt-problem.js';

/** One prompt of an `extends` chain. */
export interface PromptChainLink {
  readonly name: string;
  readonly kind: PromptKind;
  readonly library: string;
  readonly file: string;
}

/** A prompt with its `extends` chain merged, sections expanded and RAG refs resolved. */
export interface ResolvedPrompt {
  readonly name: string;
  readonly kind: PromptKind;
  /** Library that supplied the prompt; `undefined` for inline templates. */
  readonly library: string | undefined;
  readonly file: string;
  readonly version: string | undefined;
  /** The template with every `{{SECTION}}` expanded. */
  readonly template: string;
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly validation: PromptValidation | undefined;
  readonly metadata: PromptMetadata;
  /** Inline configs (root-first), then referenced ones. */
  readonly ragRequests: readonly RagSearchRequest[];
  /** The prompt first, then its base, up to the root. */
  readonly chain: readonly PromptChainLink[];
  /** SHA-256 (first 16 hex digits) of the template, defaults, validation and RAG configs: the prompt's version. */
  readonly contentHash: string;
}

/** The outcome of resolving: the prompt, or the problems that stop it. */
export type ResolveOutcome =
  | { readonly prompt: ResolvedPrompt; readonly problems?: undefined; readonly dependencies: PromptDependencies }
  | { readonly prompt?: undefined; readonly problems: readonly PromptProblem[] };

/** The library entries a resolved prompt was built from (for cache checks). */
export interface PromptDependencies {
  /** The bases, each with the kind it was found under. */
  readonly bases: readonly { readonly kind: PromptKind; readonly name: string; readonly entry: PromptEntry }[];
  readonly ragConfigs: readonly { readonly name: string; readonly entry: RagConfigEntry }[];
}

/** Options of {@link resolvePrompt}. */
export interface ResolvePromptOptions {
  /** Lookup options for the prompt itself (versions, labels, A/B user). */
  readonly lookup?: PromptLookupOptions;
  /** Adapter names the caller can search; when given, other `adapter_name`s are problems. */
  readonly adapterNames?: ReadonlySet<string>;
}

const otherKind = (kind: PromptKind): PromptKind => (kind === 'system' ? 'user' : 'system');

function problemAt(
  entry: { readonly file: string; readonly locator: PromptEntry['locator'] },
  code: string,
  path: readonly (string | number)[],
  display: string,
  message: string,
): PromptProblem {
  const at = entry.locator.locate(path);
  return { code, file: entry.file, line: at?.line, column: at?.column, path: display, message };
}

/**
 * Resolves a prompt entry: walks `extends` (a base is looked up in the same kind first, then
 * the other kind) and merges the chain root-first — `sections`, `defaults` and `metadata`
 * shallow-merged with the child winning, `validation` replaced, `rag_configs` concatenated,
 * `rag_config_refs` concatenated without duplicates, `template` from the nearest prompt that
 * has one — then expands sections, resolves RAG refs and computes the content hash. Cycles,
 * missing bases, missing RAG configs and unknown adapters are returned as problems with the
 * chain and the position of the offending field.
 */
export async function resolvePrompt(
  library: PromptLibrary,
  entry: PromptEntry,
  options: ResolvePromptOptions = {},
): Promise<ResolveOutcome> {
  const chainEntries: PromptEntry[] = [entry];
  const bases: { kind: PromptKind; name: string; entry: PromptEntry }[] = [];
  const ragDependencies: { name: string; entry: RagConfigEntry }[] = [];
  const baseLookup: PromptLookupOptions = { signal: options.lookup?.signal, userId: options.lookup?.userId };
  const describe = (link: PromptEntry) => `${link.kind}/${link.name}`;
  for (let current = entry; current.definition.extends !== undefined;) {
    const baseName = current.definition.extends;
    const base =
      (await library.getPrompt(current.kind, baseName, baseLookup)) ??
      (await library.getPrompt(otherKind(current.kind), baseName, baseLookup));
    const chainText = chainEntries.map(describe).join(' → ');
    if (!base) {
      const known = [
        ...new Set([
          ...(await library.listPrompts(current.kind)),
          ...(await library.listPrompts(otherKind(current.kind))),
        ]),
      ];
      const [suggestion] = closestNames(baseName, known, 1);
      return {
        problems: [
          problemAt(
            current,
            'PROMPT_EXTENDS_MISSING',
            ['extends'],
            'extends',
            `base prompt "${baseName}" not found in library "${library.name}" (chain: ${chainText} → ${baseName}).${suggestion === undefined ? ` Create ${current.kind}/${baseName}.yaml or fix the name.` : ` Did you mean "${suggestion}"?`}`,
          ),
        ],
      };
    }
    if (
      chainEntries.some(
        (link) =>
          link === base || (link.kind === base.kind && link.name === base.name && link.library === base.library),
      )
    ) {
      return {
        problems: [
          problemAt(
            current,
            'PROMPT_EXTENDS_CYCLE',
            ['extends'],
            'extends',
            `extends chain loops: ${chainText} → ${describe(base)}. Remove one of the extends.`,
          ),
        ],
      };
    }
    chainEntries.push(base);
    bases.push({ kind: base.kind, name: baseName, entry: base });
    current = base;
  }
  const merged = mergeChain(chainEntries.map((link) => link.definition));
  const problems: PromptProblem[] = [];
  if (merged.template === undefined) {
    problems.push(
      problemAt(
        entry,
        'PROMPT_TEMPLATE_MISSING',
        [],
        '',
        `no prompt in the chain ${chainEntries.map(describe).join(' → ')} has a template. Add "template:" to the root prompt.`,
      ),
    );
  }
  const expanded = expandSections(merged.template ?? '', merged.sections);
  if ('cycle' in expanded) {
    problems.push(
      problemAt(
        entry,
        'PROMPT_SECTION_CYCLE',
        ['sections'],
        'sections',
        `sections refer to each other in a loop: ${expanded.cycle.join(' → ')}. Break the loop.`,
      ),
    );
  }
  const ragRequests: RagSearchRequest[] = [];
  const checkAdapter = (
    config: RagConfig,
    owner: { readonly file: string; readonly locator: PromptEntry['locator'] },
    path: readonly (string | number)[],
    display: string,
  ) => {
    if (options.adapterNames && !options.adapterNames.has(config.adapter_name)) {
      const known = [...options.adapterNames];
      problems.push(
        problemAt(
          owner,
          'RAG_ADAPTER_UNKNOWN',
          path,
          display,
          `unknown RAG adapter "${config.adapter_name}". Known adapters: ${known.length > 0 ? known.join(', ') : '(none)'}. Register it with the builder or fix the name.`,
        ),
      );
    }
  };
  chainEntries
    .slice()
    .reverse()
    .forEach((link) =>
      (link.definition.rag_configs ?? []).forEach((config, index) => {
        ragRequests.push({ config });
        checkAdapter(config, link, ['rag_configs', index, 'adapter_name'], `rag_configs[${index}].adapter_name`);
      }),
    );
  for (const reference of merged.ragConfigRefs) {
    const owner = chainEntries.find((link) => link.definition.rag_config_refs?.includes(reference)) ?? entry;
    const index = owner.definition.rag_config_refs?.indexOf(reference) ?? 0;
    const found: RagConfigEntry | undefined = await library.getRagConfig(reference, baseLookup);
    if (!found) {
      const available = await library.listRagConfigs();
      problems.push(
        problemAt(
          owner,
          'RAG_REF_MISSING',
          ['rag_config_refs', index],
          `rag_config_refs[${index}]`,
          `RAG config "${reference}" not found in library "${library.name}"${available.length > 0 ? ` (available: ${available.join(', ')})` : ''}. Create rag/${reference}.yaml or fix the name.`,
        ),
      );
      continue;
    }
    ragRequests.push({ config: found.config, configName: reference });
    ragDependencies.push({ name: reference, entry: found });
    checkAdapter(found.config, found, ['adapter_name'], 'adapter_name');
  }
  if (problems.length > 0 || 'cycle' in expanded) return { problems };
  const template = expanded.text;
  const contentHash = createHash('sha256')
    .update(
      JSON.stringify({
        template,
        defaults: merged.defaults,
        validation: merged.validation ?? null,
        rag: ragRequests.map((request) => normalizeRagConfig(request.config)),
      }),
    )
    .digest('hex')
    .slice(0, 16);
  return {
    dependencies: { bases, ragConfigs: ragDependencies },
    prompt: Object.freeze({
      name: entry.name,
      kind: entry.kind,
      library: entry.library,
      file: entry.file,
      version: entry.version,
      template,
      defaults: merged.defaults,
      validation: merged.validation,
      metadata: merged.metadata,
      ragRequests,
      chain: chainEntries.map((link) => ({ name: link.name, kind: link.kind, library: link.library, file: link.file })),
      contentHash,
    }),
  };
}

interface MergedDefinition {
  readonly template: string | undefined;
  readonly sections: Readonly<Record<string, string>>;
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly metadata: PromptMetadata;
  readonly validation: PromptValidation | undefined;
  readonly ragConfigRefs: readonly string[];
}

/** Merges definitions given child-first, applying the root-first merge rules. */
function mergeChain(childFirst: readonly PromptDefinition[]): MergedDefinition {
  let template: string | undefined;
  let sections: Record<string, string> = {};
  let defaults: Record<string, unknown> = {};
  let metadata: Record<string, unknown> = {};
  let validation: PromptValidation | undefined;
  const refs: string[] = [];
  for (const definition of [...childFirst].reverse()) {
    if (definition.template !== undefined) template = definition.template;
    sections = { ...sections, ...definition.sections };
    defaults = { ...defaults, ...definition.defaults };
    metadata = { ...metadata, ...definition.metadata };
    if (definition.validation !== undefined) validation = definition.validation;
    for (const reference of definition.rag_config_refs ?? []) if (!refs.includes(reference)) refs.push(reference);
  }
  return { template, sections, defaults, metadata, validation, ragConfigRefs: refs };
}
