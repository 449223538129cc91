/**
 * Runs spec files with `@playwright/test` against an app in a clean room, with Loopwright's own
 * config: only the given specs, the system Chromium with the sandbox's flags. Both the proof kept
 * as a test (tickets/proof-test.ts) and the eval harness's hidden checks (eval/hidden.ts) run
 * through here, and both verdicts must hold against the tree they judge: that tree is the agent's
 * work, and its app runs in the same room while the specs run.
 *
 * So nothing the verdict depends on lives where the tree or its app can reach. The specs, the
 * config and a `tsconfig.json` of our own sit in a directory of the worker's (outside the
 * checkout, mounted read-only into the run alone), the run has a /tmp of its own (Playwright keeps
 * its transform cache there), and its results go to a directory only the run may write. The
 * repository's playwright.config and tsconfig are never loaded: they could start servers, name
 * browsers that are not here, or map `@playwright/test` to a module of the tree's own.
 *
 * The runner is either Loopwright's own `@playwright/test` (`runner: 'loopwright'`, for checks
 * the tree must not influence: the run then sees nothing of the checkout) or the tree's
 * (`runner: 'tree'`, for the proof kept as a test, whose point is that it runs with the
 * repository's own `@playwright/test`).
 */
import { mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { redact } from '../core/redact.ts';
import { CHROMIUM_ARGS, chromiumMounts, resolveChromiumPath } from './browser.ts';
import { shq, type Mount } from './isolation.ts';
import type { Room } from './types.ts';

/** The runner's entry below a `node_modules` directory. */
const CLI = '@playwright/test/cli.js';

/** Loopwright's own `node_modules`, holding the `@playwright/test` it depends on. */
export const OWN_MODULES = path.resolve(
  path.dirname(createRequire(import.meta.url).resolve('@playwright/test/package.json')),
  '..',
  '..',
);

export interface SpecFile {
  /** File name (no directories), e.g. `sort.spec.ts`. */
  name: string;
  content: string;
}

export interface SpecRun {
  specs: SpecFile[];
  /** Whose `@playwright/test` runs them: Loopwright's own, or the one the tree depends on. */
  runner: 'loopwright' | 'tree';
  /** The app's URL, given to the specs as `BASE_URL` and as Playwright's `baseURL`. */
  baseUrl: string;
  /** Bound of the whole run. */
  timeoutMs: number;
  signal?: AbortSignal;
  chromiumPath?: string;
  /** Names the run's directories (several runs in one room keep their results apart). */
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
  return (await room.exec(`test -f node_modules/${CLI}`, { signal })).exitCode === 0;
}

/** Runs the specs once; `ok` when every test passed. */
export async function runSpecs(room: Room, run: SpecRun): Promise<SpecOutcome> {
  const started = Date.now();
  if (run.runner === 'tree' && !(await hasPlaywrightTest(room, run.signal))) {
    return {
      ok: false,
      missingRunner: true,
      durationMs: Date.now() - started,
      how: 'could not run',
      tail: 'the repository does not depend on @playwright/test (add it to devDependencies)',
      output: '',
    };
  }
  const dirs = writeRunDir(room, run);
  const command = `BASE_URL=${shq(run.baseUrl)} node ${shq(path.join(dirs.specs, 'node_modules', CLI))} test --config ${shq(dirs.config)}`;
  const r = await room.exec(command, {
    // The one writable place: a spec's relative paths (screenshots into test-results/) land here.
    dir: dirs.out,
    timeoutMs: run.timeoutMs,
    signal: run.signal,
    tmpDir: dirs.tmp,
    ...runMounts(run, dirs),
  });
  const durationMs = Date.now() - started;
  const output = redact(r.output);
  if (r.exitCode === 0 && !r.timedOut) return { ok: true, durationMs, output };
  const how = r.timedOut ? `timed out after ${Math.round(run.timeoutMs / 1000)} s` : 'failed';
  return { ok: false, timedOut: r.timedOut, durationMs, how, tail: output.slice(-600), output };
}

interface RunDirs {
  /** The specs, our config and tsconfig, and a `node_modules` link to the runner: read-only to the run. */
  specs: string;
  config: string;
  /** Results and the working directory: the one place the run writes besides its /tmp. */
  out: string;
  tmp: string;
  /** The `node_modules` the link points at (its real path, mounted at the same path). */
  modules: string;
}

function writeRunDir(room: Room, run: SpecRun): RunDirs {
  const root = path.join(room.scratch, `specs-${run.label}`);
  rmSync(root, { recursive: true, force: true });
  const dirs = {
    specs: path.join(root, 'specs'),
    config: path.join(root, 'specs', 'playwright.config.mjs'),
    out: path.join(root, 'out'),
    tmp: path.join(root, 'tmp'),
    modules: realpathSync(run.runner === 'loopwright' ? OWN_MODULES : path.join(room.dir, 'node_modules')),
  };
  for (const d of [dirs.specs, dirs.out, dirs.tmp]) mkdirSync(d, { recursive: true });
  for (const spec of run.specs) writeFileSync(path.join(dirs.specs, path.basename(spec.name)), spec.content);
  // Our own package.json and tsconfig end the lookups here, whatever the directories above hold.
  writeFileSync(path.join(dirs.specs, 'package.json'), '{ "private": true, "type": "module" }\n');
  writeFileSync(path.join(dirs.specs, 'tsconfig.json'), '{ "compilerOptions": {} }\n');
  symlinkSync(dirs.modules, path.join(dirs.specs, 'node_modules'));
  writeFileSync(dirs.config, `export default ${JSON.stringify(playwrightConfig(run, dirs), null, 2)};\n`);
  return dirs;
}

function playwrightConfig(run: SpecRun, dirs: RunDirs): Record<string, unknown> {
  return {
    testDir: dirs.specs,
    testMatch: run.specs.map((s) => path.basename(s.name)),
    outputDir: path.join(dirs.out, 'results'),
    tsconfig: path.join(dirs.specs, 'tsconfig.json'),
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
}

/**
 * What the run sees. Loopwright's runner: its own files, the runner and Chromium, nothing of the
 * checkout. The tree's runner: the room's mounts (its `node_modules`) plus its own files.
 */
function runMounts(run: SpecRun, dirs: RunDirs): { mounts?: Mount[]; onlyMounts?: Mount[] } {
  const own: Mount[] = [
    { src: dirs.specs, dest: dirs.specs, mode: 'ro' },
    { src: dirs.out, dest: dirs.out, mode: 'rw' },
  ];
  if (run.runner === 'tree') return { mounts: own };
  const runner: Mount = { src: dirs.modules, dest: dirs.modules, mode: 'ro' };
  return { onlyMounts: [...own, runner, ...chromiumMounts(resolveChromiumPath(run.chromiumPath))] };
}
