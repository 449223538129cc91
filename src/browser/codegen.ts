/**
 * The verification plan as an @playwright/test file, so a human can rerun the proof with
 * `npx playwright test proof.spec.ts` (BASE_URL picks the app). Each step maps to the call the
 * runner makes; expectations use the web-first assertions with the runner's timeout. Without a
 * `baseURL` (the copy added to the repository), the base URL is the test config's, or BASE_URL.
 */
import type { Step, VerificationPlan } from './plan.ts';
import { jsString as lit, targetSource, urlMatcher } from './targets.ts';

export function toPlaywrightTest(plan: VerificationPlan, baseURL?: string, timeoutMs = 5_000): string {
  const lines = [
    `// Verification plan: ${plan.title.replace(/\n/g, ' ')}`,
    '// Proof: this test fails on the base commit and passes on the change.',
    "import { test, expect } from '@playwright/test';",
    '',
    baseURL === undefined
      ? 'if (process.env.BASE_URL) test.use({ baseURL: process.env.BASE_URL });'
      : `test.use({ baseURL: process.env.BASE_URL ?? ${lit(baseURL)} });`,
    '',
    `test(${lit(plan.title)}, async ({ page }) => {`,
    ...plan.steps.map((step, i) => `  // ${i + 1}. ${step.action}\n  ${stepSource(step, timeoutMs)}`),
    '});',
    '',
  ];
  return lines.join('\n');
}

function stepSource(step: Step, timeout: number): string {
  const t = `{ timeout: ${timeout} }`;
  switch (step.action) {
    case 'goto':
      // The runner fails a goto that answers >= 400; the test says the same.
      return `expect((await page.goto(${lit(step.url)}))?.status() ?? 200).toBeLessThan(400);`;
    case 'click':
      return `await ${targetSource(step.target)}.click(${t});`;
    case 'fill':
      return `await ${targetSource(step.target)}.fill(${lit(step.value)}, ${t});`;
    case 'press':
      return step.target
        ? `await ${targetSource(step.target)}.press(${lit(step.key)}, ${t});`
        : `await page.keyboard.press(${lit(step.key)});`;
    case 'select': {
      const v = Array.isArray(step.value) ? `[${step.value.map(lit).join(', ')}]` : lit(step.value);
      return `await ${targetSource(step.target)}.selectOption(${v}, ${t});`;
    }
    case 'expect_visible':
      return `await expect(${targetSource(step.target)}).toBeVisible(${t});`;
    case 'expect_hidden':
      return `await expect(${targetSource(step.target)}).toBeHidden(${t});`;
    case 'expect_text':
      return `await expect(${targetSource(step.target)}).toContainText(${lit(step.text)}, ${t});`;
    case 'expect_url':
      return `await expect(page).toHaveURL(${String(urlMatcher(step.pattern) ?? /$^/)}, ${t});`;
    case 'screenshot':
      return `await page.screenshot({ path: ${lit(`test-results/${slug(step.caption ?? 'screenshot')}.png`)} });`;
  }
}

export function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'step'
  );
}
