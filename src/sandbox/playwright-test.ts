/**
 * Runs spec files with the target's own `@playwright/test` against an app in a clean room, with
 * Loopwright's own config: only the named specs, the system Chromium with the sandbox's flags,
 * results in a scratch directory of the room. The repository's playwright.config is never loaded
 * (it could start servers or name browsers that are not here). Both the proof kept as a test
 * (tickets/proof-test.ts) and the eval harness's hidden checks (eval/hidden.ts) run through here.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { redact } from '../core/redact.ts';
import { CHROMIUM_ARGS, resolveChromiumPath } from './browser.ts';
import { shq } from './isolation.ts';
import type { Room } from './types.ts';

/** The runner's entry inside the room's checkout (dependencies are mounted there only). */
const CLI = 'node_modules/@playwright/test/cli.js';

export interface SpecRun {
  /** Directory of the specs (inside the room's checkout, so `@playwright/test` resolves). */
  testDir: string;
  /** Spec file names (globs) under `testDir`. */
  testMatch: string[];
  /** The app's URL, given to the specs as `BASE_URL` and as Playwright's `baseURL`. */
  baseUrl: string;
  /** Bound of the whole run. */
  timeoutMs: number;
  signal?: AbortSignal;
  chromiumPath?: string;
  /** Names the scratch directory (several runs in one room keep their results apart). */
  label: string;
  /** Bound of one action or expectation; default Playwright's (none for actions, 5 s for expect). */
  actionTimeoutMs?: number;
}

export type SpecOutcome =
  | { ok: true; durationMs: number; output: string }
  | {
      ok: false;
      missingRunner?: boolean;
      timedOut?: boolean;
      durationMs: number;
      /** `failed` or `timed out after N s`. */
      how: string;
      /** The end of the output: what failed. */
      tail: string;
      output: string;
    };

/** Whether the room's checkout has `@playwright/test` among its dependencies. */
export async function hasPlaywrightTest(room: Room, signal?: AbortSignal): Promise<boolean> {
  return (await room.exec(`test -f ${CLI}`, { signal })).exitCode === 0;
}

/** Runs the specs once; `ok` when every test passed. */
export async function runSpecs(room: Room, run: SpecRun): Promise<SpecOutcome> {
  const started = Date.now();
  if (!(await hasPlaywrightTest(room, run.signal))) {
    return {
      ok: false,
      missingRunner: true,
      durationMs: Date.now() - started,
      how: 'could not run',
      tail: 'the repository does not depend on @playwright/test (add it to devDependencies)',
      output: '',
    };
  }
  const config = writeConfig(room, run);
  const command = `BASE_URL=${shq(run.baseUrl)} node ${CLI} test --config ${shq(config)}`;
  const r = await room.exec(command, { timeoutMs: run.timeoutMs, signal: run.signal });
  const durationMs = Date.now() - started;
  const output = redact(r.output);
  if (r.exitCode === 0 && !r.timedOut) return { ok: true, durationMs, output };
  const how = r.timedOut ? `timed out after ${Math.round(run.timeoutMs / 1000)} s` : 'failed';
  return { ok: false, timedOut: r.timedOut, durationMs, how, tail: output.slice(-600), output };
}

function writeConfig(room: Room, run: SpecRun): string {
  const scratch = path.join(room.dir, `.loopwright-${run.label}`);
  mkdirSync(scratch, { recursive: true });
  const file = path.join(scratch, 'playwright.config.mjs');
  const config = {
    testDir: run.testDir,
    testMatch: run.testMatch,
    outputDir: path.join(scratch, 'results'),
    workers: 1,
    retries: 0,
    timeout: 60_000,
    reporter: [['line']],
    ...(run.actionTimeoutMs ? { expect: { timeout: run.actionTimeoutMs } } : {}),
    use: {
      headless: true,
      baseURL: run.baseUrl,
      ...(run.actionTimeoutMs ? { actionTimeout: run.actionTimeoutMs, navigationTimeout: 30_000 } : {}),
      launchOptions: { executablePath: resolveChromiumPath(run.chromiumPath), args: CHROMIUM_ARGS },
    },
  };
  writeFileSync(file, `export default ${JSON.stringify(config, null, 2)};\n`);
  return file;
}
