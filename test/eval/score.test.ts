import { describe, expect, it } from 'vitest';
import {
  isInfraCode,
  passAtK,
  passHatK,
  scoreModel,
  scoreRun,
  wilson,
  type TrialRecord,
} from '../../src/eval/score.ts';

const trial = (
  task: string,
  bucket: TrialRecord['bucket'],
  extra: Partial<TrialRecord> = {},
): TrialRecord => ({
  task,
  model: 'm',
  trial: 1,
  bucket,
  falseProof: false,
  ticketId: 't',
  usage: { promptTokens: 0, completionTokens: 0, cachedTokens: 0 },
  timings: {},
  ...extra,
});

describe('eval scoring', () => {
  it('Wilson: the known 95% interval, and [0, 1] with no trials', () => {
    const [lo, hi] = wilson(8, 10);
    expect(lo).toBeCloseTo(0.4902, 3);
    expect(hi).toBeCloseTo(0.9433, 3);
    expect(wilson(0, 0)).toEqual([0, 1]);
    const [lo0, hi0] = wilson(0, 5);
    expect(lo0).toBe(0);
    expect(hi0).toBeCloseTo(0.4345, 3);
  });

  it('pass@k and pass^k: the unbiased estimators', () => {
    // n=5, c=2, k=2: 1 - C(3,2)/C(5,2) = 1 - 3/10; pass^2 = C(2,2)/C(5,2) = 1/10.
    expect(passAtK(5, 2, 2)).toBeCloseTo(0.7, 10);
    expect(passHatK(5, 2, 2)).toBeCloseTo(0.1, 10);
    expect(passAtK(3, 0, 3)).toBe(0);
    expect(passAtK(3, 1, 3)).toBe(1);
    expect(passHatK(3, 2, 3)).toBe(0);
    expect(passHatK(3, 3, 3)).toBe(1);
    expect(passAtK(4, 1, 1)).toBeCloseTo(0.25, 10);
  });

  it('buckets: infra errors are counted but left out of the score; false proofs are counted', () => {
    const s = scoreModel(
      [
        trial('a', 'resolved', {
          trial: 1,
          usage: { promptTokens: 1, completionTokens: 1, cachedTokens: 0, costUsd: 0.2 },
          timings: { totalMs: 1000 },
        }),
        trial('a', 'unresolved', { trial: 2, falseProof: true }),
        trial('b', 'no_pr', { trial: 1 }),
        trial('b', 'infra_error', { trial: 2 }),
      ],
      2,
    );
    expect(s).toMatchObject({
      trials: 4,
      resolved: 1,
      unresolved: 1,
      noPr: 1,
      infraError: 1,
      falseProofs: 1,
      k: 2,
    });
    expect(s.pass1).toBeCloseTo(1 / 3, 3);
    // Task a: n=2, c=1 → pass@2 1, pass^2 0; task b: n=1 (< k) with no pass → 0.
    expect(s.passAtK).toBe(0.5);
    expect(s.passHatK).toBe(0);
    expect(s.falseProofRate).toBe(0.5);
    expect(s.meanCostUsdPerResolved).toBe(0.2);
    expect(s.meanMsPerResolved).toBe(1000);
  });

  it('scores each model apart', () => {
    const run = scoreRun([trial('a', 'resolved'), trial('a', 'no_pr', { model: 'n' })]);
    expect(Object.keys(run)).toEqual(['m', 'n']);
    expect(run.m!.pass1).toBe(1);
    expect(run.n!.pass1).toBe(0);
  });

  it('names the error codes that make an infra error', () => {
    expect(isInfraCode('sandbox_failed')).toBe(true);
    expect(isInfraCode('model_error')).toBe(true);
    expect(isInfraCode('budget_exceeded')).toBe(false);
    expect(isInfraCode('review_rejected')).toBe(false);
    expect(isInfraCode(undefined)).toBe(false);
  });
});
