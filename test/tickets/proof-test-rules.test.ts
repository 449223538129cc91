/**
 * The rules around the proof kept as a test: the guardrails allow exactly its path (added, nothing
 * else), and only `withProofTest` lets a proof and a review made on one tree count for the tree
 * that adds the test to it; the guardrails and the checks must run again on the new tree.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { targetSettingsSchema } from '../../src/config/target.ts';
import { attach, publishable, withProofTest, type Candidate } from '../../src/core/candidate.ts';
import { checkDiff } from '../../src/loop/policy/diff.ts';
import { testFailure } from '../../src/tickets/proof-test.ts';
import { localSandbox, makeRepo, type Fixture } from '../loop/harness.ts';

describe('guardrails and the proof test path', () => {
  let fx: Fixture;
  beforeEach(() => (fx = makeRepo()));
  afterEach(() => fx.cleanup());
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(fx.worktree, rel)), { recursive: true });
    writeFileSync(path.join(fx.worktree, rel), text);
  };
  const settings = targetSettingsSchema.parse({
    protected: ['e2e/**'],
    maxFilesChanged: 1,
    proofTests: 'e2e',
  });
  const SPEC = "import { test } from '@playwright/test';\ntest('x', async () => {});\n";

  it('allow exactly the added proof test, not its neighbours, and still read it for skipped tests', async () => {
    write('src/a.js', 'export const a = 1;\n');
    write('e2e/legend.spec.ts', SPEC);
    const diff = (await localSandbox(fx).snapshot()).diff;
    expect(
      checkDiff(diff, settings)
        .findings.map((f) => f.rule)
        .sort(),
    ).toEqual(['max-files', 'protected']);
    expect(checkDiff(diff, settings, { proofTest: 'e2e/legend.spec.ts' })).toEqual({
      ok: true,
      findings: [],
    });
    write('e2e/other.spec.ts', SPEC);
    write('e2e/legend.spec.ts', SPEC.replace("test('x'", "test.skip('x'"));
    const more = (await localSandbox(fx).snapshot()).diff;
    const rules = checkDiff(more, settings, { proofTest: 'e2e/legend.spec.ts' }).findings.map((f) => f.rule);
    expect(rules.sort()).toEqual(['max-files', 'protected', 'test-skipped']);
  });
});

describe('publishable with a proof test', () => {
  const proven = (tree: string): Candidate => {
    let c: Candidate = { tree, diff: 'd' };
    c = attach(c, 'proof', { outcome: 'proven' });
    c = attach(c, 'review', { verdict: 'approve', comments: [] });
    c = attach(c, 'guardrails', { ok: true, findings: [] });
    return attach(c, 'checks', { ok: true, results: [] });
  };

  it('carries the proof and review to the tree with the test, and wants guardrails and checks on it', () => {
    const moved = withProofTest(proven('T'), { tree: 'T2', path: 'e2e/x.spec.ts', diff: 'd2' });
    expect(publishable(moved)).toEqual({ ok: false, reason: 'the guardrails never checked this tree' });
    let c = attach(moved, 'guardrails', { ok: true, findings: [] });
    c = attach(c, 'checks', { ok: true, results: [] });
    const cleared = publishable(c);
    expect(cleared.ok && cleared.publishable.candidate.tree).toBe('T2');
  });

  it('does not let a proof of some other tree through', () => {
    const moved = withProofTest(proven('T'), { tree: 'T2', path: 'e2e/x.spec.ts', diff: 'd2' });
    const forged: Candidate = { ...moved, proofTest: { ...moved.proofTest!, fromTree: 'OTHER' } };
    let c = attach(forged, 'guardrails', { ok: true, findings: [] });
    c = attach(c, 'checks', { ok: true, results: [] });
    expect(publishable(c).ok).toBe(false);
    const elsewhere: Candidate = { ...c, tree: 'T3' };
    expect(publishable(elsewhere).ok).toBe(false);
  });
});

describe('what a failed proof test says', () => {
  // The line reporter's output of @playwright/test 1.65 for a spec whose expectation timed out.
  const OUTPUT = [
    '',
    'Running 1 test using 1 worker',
    '',
    '[1/1] e2e/x.spec.ts:2:1 › the thing',
    '  1) e2e/x.spec.ts:2:1 › the thing ───────────',
    '',
    '    Error: expect(locator).toBeVisible() failed',
    '',
    "    Locator: getByText('Ready to ship')",
    '    Expected: visible',
    '    Timeout: 2000ms',
    '    Error: element(s) not found',
    '',
    "      4 |   await page.getByRole('button', { name: 'Show status' }).click({ timeout: 5000 });",
    "    > 5 |   await expect(page.getByText('Ready to ship')).toBeVisible({ timeout: 2000 });",
    '        |                                                 ^',
    '        at /tmp/room/e2e/x.spec.ts:5:49',
    '',
    '  1 failed',
  ].join('\n');

  it('names the failing line and the error, and why the runner may have passed it', () => {
    const said = testFailure(`\x1b[31m${OUTPUT}\x1b[39m`);
    expect(said).toMatch(
      /^expect\(locator\)\.toBeVisible\(\) failed at `await expect\(page\.getByText\('Ready to ship'\)\)\.toBeVisible\(\{ timeout: 2000 \}\);` \(Locator: getByText\('Ready to ship'\); Expected: visible; Error: element\(s\) not found\)\./,
    );
    expect(said).toContain('lets the page settle before each step');
    expect(said).not.toContain('/tmp/room');
  });

  it('blames the page race only for a step on the page', () => {
    const broken =
      "    Error: Cannot find module '@playwright/test'\n\n    > 3 | import { test, expect } from '@playwright/test';\n";
    expect(testFailure(broken)).toBe(
      "Cannot find module '@playwright/test' at `import { test, expect } from '@playwright/test';`",
    );
  });

  it('keeps the tail of output it cannot read', () => {
    expect(testFailure('Error [ERR_MODULE_NOT_FOUND]\nboom')).toBe('Error [ERR_MODULE_NOT_FOUND]\nboom');
  });
});
