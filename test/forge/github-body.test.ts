/**
 * PR bodies as GitHub renders them: GFM through micromark (the CommonMark reference parser with
 * the GFM extension), with raw HTML allowed as on github.com. The lint in src/forge/github-body.ts
 * must flag exactly the bodies that render wrong.
 */
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';
import { describe, expect, it } from 'vitest';
import type { ProofResult } from '../../src/browser/types.ts';
import { buildPrBody } from '../../src/forge/body.ts';
import { gfmProblems, githubEvidenceLinker } from '../../src/forge/github-body.ts';
import { testTicket } from '../fakes/github/setup.ts';

const render = (md: string) =>
  micromark(md, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] });

const GOOD = [
  '> make the button blue — [Slack](https://acme.slack.com/archives/C1/p1)',
  '',
  '- [x] goto /dashboards/revenue',
  '- [ ] click button "Refunds"',
  '',
  '![after](https://github.com/acme/app/blob/loopwright-evidence/t_1/head.gif?raw=true)',
  '',
  '<details>',
  '<summary>Playwright test</summary>',
  '',
  '```ts',
  "test('blue', async ({ page }) => {});",
  '```',
  '',
  '</details>',
  '',
].join('\n');

describe('PR body rendering (GFM)', () => {
  it('renders task lists, absolute images and a code block inside <details>', () => {
    const html = render(GOOD);
    expect(html).toContain('<input type="checkbox" disabled="" checked="" />');
    expect(html).toContain(
      '<img src="https://github.com/acme/app/blob/loopwright-evidence/t_1/head.gif?raw=true"',
    );
    expect(html).toMatch(/<details>\n<summary>Playwright test<\/summary>\n<pre><code class="language-ts">/);
    expect(gfmProblems(GOOD)).toEqual([]);
  });

  it('flags markdown glued to <summary>, which GitHub shows as raw text', () => {
    const bad = GOOD.replace(
      '<summary>Playwright test</summary>\n\n',
      '<summary>Playwright test</summary>\n',
    );
    const html = render(bad);
    expect(html).not.toContain('<pre><code');
    expect(html).toContain('```ts');
    expect(gfmProblems(bad).map((p) => p.line)).toEqual([10, 11, 12]);
  });

  it('flags relative image URLs', () => {
    const bad = '![after](head.gif)\n\n<img src="steps/01.png">\n';
    expect(gfmProblems(bad).map((p) => p.problem)).toEqual([
      'image head.gif needs an absolute URL',
      'image steps/01.png needs an absolute URL',
    ]);
  });
});

describe('the PR body with GitHub evidence links', () => {
  it('renders the request, proof checklist, inline images, video link and the Playwright test', () => {
    const web = 'https://github.com/acme/app';
    const blob = `${web}/blob/loopwright-evidence/t_9`;
    const published = {
      'head.gif': `${blob}/head.gif?raw=true`,
      'head.webm': `${blob}/head.webm`,
      'steps/01.png': `${blob}/steps/01.png?raw=true`,
      'after/home.png': `${blob}/after/home.png?raw=true`,
      'before/home.png': `${blob}/before/home.png?raw=true`,
      'manifest.json': `${blob}/manifest.json`,
    };
    const dir = '/data/evidence/t_9';
    const evidence = {
      dir,
      manifest: `${dir}/manifest.json`,
      video: `${dir}/head.webm`,
      gif: `${dir}/head.gif`,
      screenshots: [`${dir}/steps/01.png`, `${dir}/after/home.png`],
      proof: { base: 'failed' as const, head: ['passed' as const, 'passed' as const] },
    };
    const step = { index: 1, action: 'goto', status: 'passed' as const, durationMs: 5 };
    const proof: ProofResult = {
      outcome: 'proven',
      feedback: '',
      plan: { title: 'Button is blue', steps: [{ action: 'goto', url: '/' }] },
      runs: [
        {
          label: 'base',
          appUrl: 'http://x',
          verdict: 'failed',
          steps: [{ ...step, status: 'failed' }],
          durationMs: 10,
        },
        { label: 'head-1', appUrl: 'http://x', verdict: 'passed', steps: [step], durationMs: 10 },
        { label: 'head-2', appUrl: 'http://x', verdict: 'passed', steps: [step], durationMs: 10 },
      ],
      playwrightTest: "test('blue', async ({ page }) => {\n  await page.goto('/');\n});",
    };
    const ticket = testTicket('t_9', {
      evidence,
      request: {
        text: 'make the button blue',
        source: 'slack',
        requester: 'ana',
        slack: { channel: 'C1', ts: '1.2', permalink: 'https://acme.slack.com/archives/C1/p12' },
      },
    });
    const body = buildPrBody({
      ticket,
      summary: 'Blue.',
      proof,
      review: { verdict: 'approve', comments: [] },
      evidenceUrl: githubEvidenceLinker(web, 't_9', published),
    });
    expect(gfmProblems(body)).toEqual([]);
    const html = render(body);
    expect(html).toContain('<blockquote>\n<p>make the button blue</p>');
    expect(html).toContain('href="https://acme.slack.com/archives/C1/p12"');
    expect(html).toContain(`<img src="${blob}/head.gif?raw=true"`);
    expect(html).toContain(`<img src="${blob}/after/home.png?raw=true"`);
    expect(html).toContain(`href="${blob}/head.webm"`);
    // trace.zip and base.webm were not published: their links go to the ticket's directory.
    expect(html).toContain(`href="${web}/tree/loopwright-evidence/t_9"`);
    expect(html).toContain('<input type="checkbox" disabled="" checked="" />');
    expect(html).toMatch(/<details><summary>[^<]+<\/summary>\n<pre><code class="language-ts">/);
    for (const src of html.matchAll(/<img src="([^"]+)"/g)) expect(src[1]).toMatch(/^https:\/\//);
  });
});
