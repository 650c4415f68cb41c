import { describe, expect, it } from 'vitest';
import { Bm25Scorer, compareScoredCandidates, scoreCandidates } from './bm25.js';

describe('Bm25Scorer', () => {
  it('computes Okapi BM25 and the capped, idf-weighted normalised score', () => {
    // 10 documents of average length 8; the query's two terms occur in 2 and 5 of them.
    const scorer = new Bm25Scorer({ documentCount: 10, averageLength: 8, documentFrequencies: [2, 5] });
    const idf = [Math.log(1 + (10 - 2 + 0.5) / 2.5), Math.log(1 + (10 - 5 + 0.5) / 5.5)];
    expect(scorer.idf).toEqual(idf);
    const raw = new Float64Array(2);
    const capped = new Float64Array(2);
    // Document 0: first term 3 times, length 8 (the average); document 1: second term once, length 16.
    scorer.accumulate(raw, capped, 0, 0, 3, 8);
    scorer.accumulate(raw, capped, 1, 1, 1, 16);
    const factor = (tf: number, length: number) => (tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * length) / 8));
    expect(raw[0]).toBeCloseTo(idf[0]! * factor(3, 8), 12);
    expect(capped[0]).toBeCloseTo(idf[0]!, 12); // factor > 1: capped at one occurrence in an average document
    expect(raw[1]).toBeCloseTo(idf[1]! * factor(1, 16), 12);
    expect(capped[1]).toBeCloseTo(idf[1]! * factor(1, 16), 12);
    expect(scorer.score(capped[0]!)).toBeCloseTo(idf[0]! / (idf[0]! + idf[1]!), 12);
    expect(scorer.score(idf[0]! + idf[1]!)).toBe(1);
    expect(new Bm25Scorer({ documentCount: 0, averageLength: 0, documentFrequencies: [] }).score(1)).toBe(0);
  });

  it('honours k1 and b', () => {
    const raw = new Float64Array(1);
    const capped = new Float64Array(1);
    // b = 0: length does not matter; k1 = 0: any occurrence counts fully.
    new Bm25Scorer({ documentCount: 4, averageLength: 2, documentFrequencies: [1], k1: 0, b: 0 }).accumulate(
      raw,
      capped,
      0,
      0,
      5,
      100,
    );
    expect(raw[0]).toBeCloseTo(Math.log(1 + 3.5 / 1.5), 12);
  });
});

describe('scoreCandidates', () => {
  it('counts document frequencies from the candidates and ranks by score, raw BM25, then insertion order', () => {
    const ranked = scoreCandidates({
      termCount: 2,
      documentCount: 6,
      averageLength: 5,
      candidates: [
        { key: 'late twin', order: 9, length: 5, frequencies: [1, 0] },
        { key: 'both', order: 3, length: 5, frequencies: [1, 1] },
        { key: 'early twin', order: 1, length: 5, frequencies: [1, 0] },
        { key: 'dense', order: 2, length: 5, frequencies: [0, 4] },
      ],
    });
    expect(ranked.map((candidate) => candidate.key)).toEqual(['both', 'dense', 'early twin', 'late twin']);
    expect(ranked[0]!.score).toBe(1);
    expect([...ranked].sort(compareScoredCandidates)).toEqual(ranked);
    expect(scoreCandidates({ termCount: 0, documentCount: 3, averageLength: 1, candidates: [] })).toEqual([]);
  });
});
