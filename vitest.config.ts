import { defineConfig } from 'vitest/config';
import { LOOPWRIGHT_BROWSERS_PATH } from './src/browser/browsers-path.ts';
import { dbTemplatePath } from './test/helpers/db-template.ts';
import { TwoCoreSequencer } from './vitest.schedule.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real Chromium, git, bwrap and PGlite: give them room on a 2-core machine. Tests that wait on
    // a process or a server set their own deadlines from measured durations.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Test files load Playwright in-process, as the CLI does after pinning this (browsers-path.ts).
    // Fresh homes copy one migrated database instead of each running initdb (db-template.ts).
    env: {
      PLAYWRIGHT_BROWSERS_PATH: process.env.PLAYWRIGHT_BROWSERS_PATH || LOOPWRIGHT_BROWSERS_PATH,
      LOOPWRIGHT_DB_TEMPLATE: dbTemplatePath(),
    },
    globalSetup: ['test/global-setup.ts'],
    maxWorkers: 2,
    // One end-to-end file at a time, unit files beside it (vitest.schedule.ts).
    sequence: { sequencer: TwoCoreSequencer },
    // Under CI a JSON report too, from which .ci/run prints a plain "N passed, N failed" line.
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: 'test-results/vitest.json' }]]
      : ['default'],
  },
});
