/** One line of `loopwright doctor`: what was checked, how it went, and how to fix it. */
export type Verdict = 'ok' | 'warn' | 'fail' | 'off';
export interface CheckResult {
  name: string;
  verdict: Verdict;
  detail: string;
  /** What to run or set to fix it. */
  fix?: string;
  required: boolean;
}
