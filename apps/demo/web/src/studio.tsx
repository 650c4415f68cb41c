import { useEffect, useState } from 'react';
import { api, ApiError } from './api.ts';
import type { StudioCatalog, StudioPrompt, StudioRender } from './api.ts';
import { Markdown } from './markdown.tsx';

/** One column of the studio: a prompt variant, its resolved template, parameters and render. */
function PromptPane({
  kind,
  name,
  variant,
  params,
}: {
  readonly kind: string;
  readonly name: string;
  readonly variant: string;
  readonly params: Record<string, string>;
}) {
  const [prompt, setPrompt] = useState<StudioPrompt | undefined>(undefined);
  const [render, setRender] = useState<StudioRender | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  useEffect(() => {
    setPrompt(undefined);
    setRender(undefined);
    setFailure(undefined);
    api.studio
      .prompt(kind, name, variant)
      .then(setPrompt, (error: unknown) => setFailure(error instanceof ApiError ? error.message : 'Failed to load.'));
  }, [kind, name, variant]);
  const run = async (): Promise<void> => {
    setFailure(undefined);
    try {
      setRender(await api.studio.render(kind, name, variant, params));
    } catch (error) {
      setFailure(error instanceof ApiError ? error.message : 'The render failed.');
    }
  };
  return (
    <section className="studio-pane" aria-label={`${name} in ${variant}`}>
      <h3>
        {variant} <span className="muted small">{prompt?.file}</span>
      </h3>
      {prompt?.resolved != null && (
        <>
          <p className="muted small">
            Resolved from {prompt.resolved.chain.map((link) => link.file).join(' ← ')} · hash{' '}
            <code>{prompt.resolved.contentHash}</code>
          </p>
          <pre className="template">{prompt.resolved.template}</pre>
        </>
      )}
      {prompt !== undefined && prompt.problems.length > 0 && (
        <ul className="problems">
          {prompt.problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      )}
      <button type="button" className="button primary" onClick={() => void run()}>
        Render {variant}
      </button>
      {failure !== undefined && (
        <p className="error-banner" role="alert">
          {failure}
        </p>
      )}
      {render !== undefined && (
        <div className="render-result" aria-label="Render result">
          <pre className="rendered">{render.content}</pre>
          <p className="muted small">
            {render.durationMs} ms · hash <code>{render.contentHash}</code>
            {render.missing.length > 0 && <> · missing: {render.missing.join(', ')}</>}
            {render.unresolved.length > 0 && <> · unresolved: {render.unresolved.join(', ')}</>}
          </p>
          {render.warnings.length > 0 && (
            <ul className="warnings">
              {render.warnings.map((warning) => (
                <li key={warning}>{warning}</li>
              ))}
            </ul>
          )}
          {render.rag.map((run, index) => (
            <div key={index} className="rag-run">
              <h4>
                RAG: {run.adapterName} · “{run.query}” · {run.status} · {run.durationMs} ms
              </h4>
              {run.error !== null && <p className="tool-error">{run.error}</p>}
              <table>
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">Source</th>
                    <th scope="col">Score</th>
                    <th scope="col">Text</th>
                  </tr>
                </thead>
                <tbody>
                  {run.results.map((result) => (
                    <tr key={result.id ?? result.citation}>
                      <td>{result.citation}</td>
                      <td className="mono">{result.id}</td>
                      <td>{result.score}</td>
                      <td>{result.content.slice(0, 200)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {run.results.length === 0 && <p className="muted small">No document above the score threshold.</p>}
            </div>
          ))}
        </div>
      )}
    </section>
  );
}

/** The prompt studio: browse prompts, fill parameters, render with live RAG, compare variants. */
export function Studio() {
  const [catalog, setCatalog] = useState<StudioCatalog | undefined>(undefined);
  const [selected, setSelected] = useState<{ kind: string; name: string } | undefined>(undefined);
  const [left, setLeft] = useState<string>('');
  const [right, setRight] = useState<string>('');
  const [params, setParams] = useState<Record<string, string>>({});
  const [doc, setDoc] = useState<StudioPrompt | undefined>(undefined);
  const [lint, setLint] = useState<{ variant: string; fileCount: number; problems: { text: string }[] }[] | undefined>(
    undefined,
  );

  useEffect(() => {
    api.studio.catalog().then(
      (result) => {
        setCatalog(result);
        const first = result.prompts.find((prompt) => prompt.kind === 'user') ?? result.prompts[0];
        if (first !== undefined) setSelected({ kind: first.kind, name: first.name });
        const active = result.variants.find((variant) => variant.active)?.name ?? result.variants[0]?.name ?? '';
        setLeft(active);
        setRight('');
      },
      () => undefined,
    );
    api.studio.lint().then(
      (result) => setLint(result.folders),
      () => undefined,
    );
  }, []);
  useEffect(() => {
    if (selected === undefined || left === '') return;
    api.studio.prompt(selected.kind, selected.name, left).then(
      (prompt) => {
        setDoc(prompt);
        const parameters = prompt.resolved?.metadata.parameters ?? {};
        const required = prompt.resolved?.validation?.required_params ?? [];
        const names = [...new Set([...Object.keys(parameters), ...required])];
        setParams((current) =>
          Object.fromEntries(
            names.map((name) => [
              name,
              current[name] ??
                String(parameters[name]?.examples?.[0] ?? (name === 'question' ? 'How do branches work?' : '')),
            ]),
          ),
        );
      },
      () => setDoc(undefined),
    );
  }, [selected, left]);

  if (catalog === undefined) return <p role="status">Loading the prompt libraries…</p>;
  const parameterDocs = doc?.resolved?.metadata.parameters ?? {};
  return (
    <div className="studio">
      <nav className="studio-list" aria-label="Prompts">
        {(['system', 'user'] as const).map((kind) => (
          <div key={kind}>
            <h2>{kind}</h2>
            <ul>
              {catalog.prompts
                .filter((prompt) => prompt.kind === kind)
                .map((prompt) => (
                  <li key={prompt.name}>
                    <button
                      type="button"
                      className="link-button"
                      aria-current={selected?.kind === kind && selected.name === prompt.name ? 'true' : undefined}
                      onClick={() => setSelected({ kind, name: prompt.name })}
                    >
                      {prompt.name}
                    </button>{' '}
                    <span className="muted small">{prompt.variants.join(', ')}</span>
                  </li>
                ))}
            </ul>
          </div>
        ))}
        <h2>rag</h2>
        <ul>
          {catalog.ragConfigs.map((config) => (
            <li key={config.name}>
              <details>
                <summary>{config.name}</summary>
                <pre className="small">{JSON.stringify(config.config, null, 1)}</pre>
              </details>
            </li>
          ))}
        </ul>
        <h2>lint</h2>
        <ul className="small">
          {lint?.map((folder) => (
            <li key={folder.variant}>
              {folder.variant}: {folder.fileCount} files,{' '}
              {folder.problems.length === 0 ? 'no problems' : `${folder.problems.length} problems`}
              {folder.problems.length > 0 && (
                <ul className="problems">
                  {folder.problems.map((problem) => (
                    <li key={problem.text}>{problem.text}</li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ul>
      </nav>
      {selected !== undefined && (
        <div className="studio-main">
          <h2>
            {selected.kind}/{selected.name}
          </h2>
          {doc?.resolved?.metadata.description !== undefined && <Markdown text={doc.resolved.metadata.description} />}
          <div className="studio-controls">
            <label>
              Variant{' '}
              <select value={left} onChange={(event) => setLeft(event.target.value)}>
                {catalog.variants.map((variant) => (
                  <option key={variant.name} value={variant.name}>
                    {variant.name}
                    {variant.active ? ' (active)' : ''}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Compare with{' '}
              <select value={right} onChange={(event) => setRight(event.target.value)}>
                <option value="">nothing</option>
                {catalog.variants.map((variant) => (
                  <option key={variant.name} value={variant.name}>
                    {variant.name}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <fieldset className="parameters">
            <legend>Parameters</legend>
            {Object.keys(params).length === 0 && <p className="muted small">This prompt takes no parameters.</p>}
            {Object.entries(params).map(([name, value]) => (
              <label key={name} className="parameter">
                <span>
                  <code>{name}</code>{' '}
                  {parameterDocs[name]?.description !== undefined && (
                    <span className="muted small">{parameterDocs[name]?.description}</span>
                  )}
                </span>
                <input value={value} onChange={(event) => setParams({ ...params, [name]: event.target.value })} />
              </label>
            ))}
          </fieldset>
          <div className={`studio-panes${right === '' ? '' : ' compare'}`}>
            <PromptPane kind={selected.kind} name={selected.name} variant={left} params={params} />
            {right !== '' && <PromptPane kind={selected.kind} name={selected.name} variant={right} params={params} />}
          </div>
        </div>
      )}
    </div>
  );
}
