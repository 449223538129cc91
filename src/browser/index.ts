/** Browser: Chromium resolution, the agent's session and tools, the verification-plan runner. */
export {
  ensureFfmpegLink,
  resolveChromium,
  standardChromiumArgs,
  type FfmpegLinkStatus,
  type ResolvedChromium,
} from './chromium.ts';
export { closeBrowsers, launchBrowser } from './launch.ts';
export { BrowserSession, type BrowserSessionOptions, type PageProblem } from './session.ts';
export { browserTools, SNAPSHOT_PLACEHOLDER, type BrowserToolContext } from './tools.ts';
export { runPlan, type RunOptions } from './runner.ts';
export { validatePlan, type PlanValidation } from './validate.ts';
export { toPlaywrightTest } from './codegen.ts';
export { planSchema, type VerificationPlan, type Step, type Target } from './plan.ts';
export type { PlanRun, ProofResult, StepResult, StepFailureKind } from './types.ts';
