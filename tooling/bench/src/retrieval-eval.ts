import { readFileSync } from 'node:fs';
import type { SearchAdapter } from '@dk/spec';

/** One frozen chunk of the evaluation corpus. */
export interface EvalChunk {
  readonly id: string;
  readonly content: string;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** One labelled question: the ids of the chunks that answer it. */
export interface EvalQuestion {
  readonly id: string;
  readonly question: string;
  readonly relevant: readonly string[];
}

/** A question the corpus does not answer (for what score thresholds keep). */
export interface OffTopicQuestion {
  readonly id: string;
  readonly question: string;
}

/** The labelled retrieval set shipped in `packages/rag/src/__fixtures__/retrieval-eval`. */
export interface RetrievalEvalSet {
  readonly chunks: readonly EvalChunk[];
  readonly questions: readonly EvalQuestion[];
  readonly offTopic: readonly OffTopicQuestion[];
}

/** An adapter to evaluate, under the name printed in the table. */
export interface NamedAdapter {
  readonly name: string;
  readonly adapter: SearchAdapter;
}

/** Quality and speed of one adapter on the set. */
export interface RetrievalScores {
  readonly name: string;
  /** Mean over questions of (relevant chunks in the top 5) / (relevant chunks). */
  readonly recallAt5: number;
  /** Mean over questions of 1 / rank of the first relevant chunk in the top 10 (0 if none). */
  readonly mrr: number;
  /** Questions with no relevant chunk in the top 5. */
  readonly misses: readonly string[];
  /** Median query time in milliseconds. */
  readonly medianMs: number;
}

const fixtureDirectory = new URL('../../../packages/rag/src/__fixtures__/retrieval-eval/', import.meta.url);

/** Reads the labelled set and checks that every label names a chunk. */
export function loadRetrievalEvalSet(directory: URL = fixtureDirectory): RetrievalEvalSet {
  const chunks = JSON.parse(readFileSync(new URL('chunks.json', directory), 'utf8')) as EvalChunk[];
  const questions = JSON.parse(readFileSync(new URL('questions.json', directory), 'utf8')) as EvalQuestion[];
  const offTopic = JSON.parse(readFileSync(new URL('off-topic.json', directory), 'utf8')) as OffTopicQuestion[];
  const ids = new Set(chunks.map((chunk) => chunk.id));
  for (const question of questions) {
    if (question.relevant.length === 0)
      throw new Error(`Question ${question.id} has no relevant chunks; label at least one.`);
    for (const id of question.relevant) {
      if (!ids.has(id)) throw new Error(`Question ${question.id} names chunk "${id}", which is not in chunks.json.`);
    }
  }
  return { chunks, questions, offTopic };
}

/** Share of `relevant` among the first `k` of `ranked`. */
export function recallAtK(ranked: readonly string[], relevant: readonly string[], k: number): number {
  const top = new Set(ranked.slice(0, k));
  return relevant.filter((id) => top.has(id)).length / relevant.length;
}

/** 1 / rank of the first relevant id within the first `k` of `ranked`, 0 when there is none. */
export function reciprocalRank(ranked: readonly string[], relevant: readonly string[], k: number): number {
  const wanted = new Set(relevant);
  const index = ranked.slice(0, k).findIndex((id) => wanted.has(id));
  return index === -1 ? 0 : 1 / (index + 1);
}

/** Runs every question against every adapter (top 10) and scores recall@5 and MRR@10. */
export async function evaluateRetrieval(
  set: RetrievalEvalSet,
  adapters: readonly NamedAdapter[],
): Promise<RetrievalScores[]> {
  const scores: RetrievalScores[] = [];
  for (const { name, adapter } of adapters) {
    let recall = 0;
    let reciprocal = 0;
    const misses: string[] = [];
    const times: number[] = [];
    for (const question of set.questions) {
      const started = performance.now();
      const results = await adapter.search(question.question, { k: 10 });
      times.push(performance.now() - started);
      const ranked = results.map((result) => result.id);
      const questionRecall = recallAtK(ranked, question.relevant, 5);
      if (questionRecall === 0) misses.push(question.id);
      recall += questionRecall;
      reciprocal += reciprocalRank(ranked, question.relevant, 10);
    }
    times.sort((left, right) => left - right);
    const count = set.questions.length;
    scores.push({
      name,
      recallAt5: recall / count,
      mrr: reciprocal / count,
      misses,
      medianMs: times[Math.floor(times.length / 2)] ?? 0,
    });
  }
  return scores;
}

/** What one `score_threshold` keeps at k = 5, on-topic and off-topic. */
export interface ThresholdOutcome {
  readonly threshold: number;
  /** On-topic questions with at least one relevant chunk kept. */
  readonly answered: number;
  /** Mean over on-topic questions of recall@5 after the threshold. */
  readonly recallAt5: number;
  /** Mean results kept per on-topic question. */
  readonly keptOnTopic: number;
  /** Off-topic questions with at least one result kept. */
  readonly offTopicKept: number;
  /** Mean results kept per off-topic question. */
  readonly keptOffTopic: number;
}

/**
 * Runs every on-topic and off-topic question at k = 5 with each `scoreThreshold` (as a RAG
 * config does) and reports what it keeps: good matches for the questions the corpus answers,
 * nothing for those it does not.
 */
export async function evaluateThresholds(
  set: RetrievalEvalSet,
  adapter: SearchAdapter,
  thresholds: readonly number[],
): Promise<ThresholdOutcome[]> {
  const outcomes: ThresholdOutcome[] = [];
  for (const threshold of thresholds) {
    let answered = 0;
    let recall = 0;
    let keptOnTopic = 0;
    for (const question of set.questions) {
      const ids = (await adapter.search(question.question, { k: 5, scoreThreshold: threshold })).map((r) => r.id);
      const questionRecall = recallAtK(ids, question.relevant, 5);
      if (questionRecall > 0) answered++;
      recall += questionRecall;
      keptOnTopic += ids.length;
    }
    let offTopicKept = 0;
    let keptOffTopic = 0;
    for (const question of set.offTopic) {
      const kept = (await adapter.search(question.question, { k: 5, scoreThreshold: threshold })).length;
      if (kept > 0) offTopicKept++;
      keptOffTopic += kept;
    }
    outcomes.push({
      threshold,
      answered,
      recallAt5: recall / set.questions.length,
      keptOnTopic: keptOnTopic / set.questions.length,
      offTopicKept,
      keptOffTopic: keptOffTopic / Math.max(1, set.offTopic.length),
    });
  }
  return outcomes;
}
