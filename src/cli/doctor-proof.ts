/**
 * `doctor`'s end-to-end check of what a worker checks at start: Chromium starts the way a sandbox
 * starts it and writes a short video. The parts (Chromium, ffmpeg, bwrap) have their own lines;
 * this one catches what only the whole shows (a HOME without Playwright's files, a Chromium that
 * will not start inside bwrap).
 */
import { checkProofRecording } from '../browser/selfcheck.ts';
import type { Config } from '../config/schema.ts';
import type { CheckResult } from './check-result.ts';

export async function checkProof(config: Config): Promise<CheckResult> {
  const result = await checkProofRecording({ config });
  const how = result.sandbox === 'bwrap' ? 'inside bwrap' : 'without isolation';
  if (result.ok)
    return {
      name: 'proof',
      verdict: 'ok',
      detail: `Chromium started ${how} and recorded a test video in ${result.ms} ms`,
      required: true,
    };
  return {
    name: 'proof',
    verdict: 'fail',
    detail: `a worker here cannot record a proof: ${result.problem!.message}`,
    fix: result.problem!.fix ?? 'fix the failing lines above, then run `loopwright doctor` again',
    required: true,
  };
}
