/**
 * Plan targets → Playwright locators, words and source. The same mapping drives the runner, its
 * failure messages and the generated @playwright/test file, so the three never disagree.
 */
import type { Locator, Page } from 'playwright';
import type { Target } from './plan.ts';

export function locatorFor(page: Page, target: Target): Locator {
  if ('role' in target) {
    return page.getByRole(target.role as Parameters<Page['getByRole']>[0], {
      ...(target.name !== undefined ? { name: target.name } : {}),
      ...(target.exact !== undefined ? { exact: target.exact } : {}),
    });
  }
  if ('label' in target) return page.getByLabel(target.label);
  if ('text' in target) return page.getByText(target.text);
  if ('testId' in target) return page.getByTestId(target.testId);
  return page.locator(target.css);
}

/** "role button and name 'Refunds'", "label 'Search'", … — for failure messages. */
export function describeTarget(target: Target): string {
  if ('role' in target) {
    return (
      `role ${target.role}` +
      (target.name !== undefined ? ` and name '${target.name}'` : '') +
      (target.exact ? ' (exact)' : '')
    );
  }
  if ('label' in target) return `label '${target.label}'`;
  if ('text' in target) return `text '${target.text}'`;
  if ('testId' in target) return `test id '${target.testId}'`;
  return `css '${target.css}'`;
}

const lit = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
export const jsString = lit;

/** The @playwright/test source of the same locator, e.g. `page.getByRole('button', { name: 'Go' })`. */
export function targetSource(target: Target): string {
  if ('role' in target) {
    const opts: string[] = [];
    if (target.name !== undefined) opts.push(`name: ${lit(target.name)}`);
    if (target.exact !== undefined) opts.push(`exact: ${target.exact}`);
    return `page.getByRole(${lit(target.role)}${opts.length ? `, { ${opts.join(', ')} }` : ''})`;
  }
  if ('label' in target) return `page.getByLabel(${lit(target.label)})`;
  if ('text' in target) return `page.getByText(${lit(target.text)})`;
  if ('testId' in target) return `page.getByTestId(${lit(target.testId)})`;
  return `page.locator(${lit(target.css)})`;
}

/**
 * `expect_url` patterns: `/regex/flags` is a regular expression, anything else a substring.
 * Returns undefined when the regex does not compile.
 */
export function urlMatcher(pattern: string): RegExp | undefined {
  const m = pattern.match(/^\/(.+)\/([a-z]*)$/);
  try {
    if (m) return new RegExp(m[1] ?? '', m[2]);
    return new RegExp(pattern.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  } catch {
    return undefined;
  }
}
