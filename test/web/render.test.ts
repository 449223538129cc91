import { describe, expect, it } from 'vitest';
import { stamp } from '../../src/core/events.ts';
import { emptyUsage, type Ticket } from '../../src/core/ticket.ts';
import { html, raw, safeUrl } from '../../src/web/html.ts';
import { renderMarkdown } from '../../src/web/markdown.ts';
import { parseDiff, renderDiff } from '../../src/web/render/diff.ts';
import { renderQueuePage } from '../../src/web/render/queue.ts';
import { renderTicketPage } from '../../src/web/render/ticket.ts';
import { emptyEvidence, renderEvidence } from '../../src/web/render/evidence.ts';

const XSS = `<img src=x onerror=alert(1)><script>window.__xss=1</script>"'\``;

function ticket(over: Partial<Ticket> = {}): Ticket {
  return {
    id: 't1',
    status: 'running',
    stage: 'coding',
    target: 'datadesk',
    request: { text: XSS, source: 'web', requester: XSS },
    usage: emptyUsage(),
    timings: {},
    attempts: 1,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...over,
  };
}

describe('html template', () => {
  it('escapes interpolations unless they are SafeHtml', () => {
    expect(html`<p title="${XSS}">${XSS}</p>`.value).toBe(
      '<p title="&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;window.__xss=1&lt;/script&gt;&quot;&#39;&#96;">' +
        '&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;window.__xss=1&lt;/script&gt;&quot;&#39;&#96;</p>',
    );
    expect(html`${[html`<b>${'<i>'}</b>`, raw('<hr>'), null, false, 3]}`.value).toBe('<b>&lt;i&gt;</b><hr>3');
  });

  it('keeps only harmless URL schemes', () => {
    expect(safeUrl('javascript:alert(1)')).toBe('#');
    expect(safeUrl(' JaVa\nScript:alert(1)')).toBe('#');
    expect(safeUrl('data:text/html,x')).toBe('#');
    expect(safeUrl('//evil.example/x')).toBe('#');
    expect(safeUrl('https://example.com/a?b=1')).toBe('https://example.com/a?b=1');
    expect(safeUrl('/evidence/t1/head.gif')).toBe('/evidence/t1/head.gif');
  });
});

describe('markdown', () => {
  it('renders the PR body subset', () => {
    const out = renderMarkdown(
      [
        '## Proof',
        '- [x] fails on base',
        '- [ ] flaky',
        '1. one',
        '![after](/evidence/t1/steps/01.png)',
        'See [the run](https://example.com/run) and `code <b>`, **bold**.',
        '<details>',
        '<summary>Transcript</summary>',
        '```ts',
        'const a = "<b>";',
        '```',
        '</details>',
        '| a | b |',
        '|---|---|',
        '| 1 | 2 |',
      ].join('\n'),
    ).value;
    expect(out).toContain('<h2>Proof</h2>');
    expect(out).toContain('<input type="checkbox" disabled checked> fails on base');
    expect(out).toContain('<input type="checkbox" disabled> flaky');
    expect(out).toContain('<ol><li>one</li></ol>');
    expect(out).toContain('<img src="/evidence/t1/steps/01.png" alt="after" loading="lazy">');
    expect(out).toContain('<a href="https://example.com/run" rel="noopener noreferrer">the run</a>');
    expect(out).toContain('<code>code &lt;b&gt;</code>');
    expect(out).toContain('<strong>bold</strong>');
    expect(out).toContain('<details>\n<summary>Transcript</summary>');
    expect(out).toContain('<pre><code class="lang-ts">const a = &quot;&lt;b&gt;&quot;;</code></pre>');
    expect(out).toContain('<td>1</td><td>2</td>');
  });

  it('escapes raw HTML and neutralises dangerous links', () => {
    const out = renderMarkdown(
      `${XSS}\n\n[x](javascript:alert(1)) ![y](javascript:alert(2))\n<details onclick=alert(1)>`,
    ).value;
    expect(out).not.toMatch(/<img src=x|<script|<details onclick|href="javascript|src="javascript/i);
    expect(out).toContain('&lt;script&gt;');
  });
});

describe('diff', () => {
  const patch = [
    'diff --git a/src/a.ts b/src/a.ts',
    'index 1..2 100644',
    '--- a/src/a.ts',
    '+++ b/src/a.ts',
    '@@ -1,2 +1,2 @@',
    ' keep',
    '-old <b>',
    '+new <script>',
    'diff --git a/new.txt b/new.txt',
    'new file mode 100644',
    '--- /dev/null',
    '+++ b/new.txt',
    '@@ -0,0 +1 @@',
    '+hello',
  ].join('\n');

  it('splits files and counts lines', () => {
    const files = parseDiff(patch);
    expect(files.map((f) => [f.path, f.status, f.additions, f.deletions])).toEqual([
      ['src/a.ts', 'modified', 1, 1],
      ['new.txt', 'added', 1, 0],
    ]);
  });

  it('renders per file with +/- classes and escaped content', () => {
    const out = renderDiff(patch).value;
    expect(out).toContain('<span class="dl add">+new &lt;script&gt;</span>');
    expect(out).toContain('<span class="dl del">-old &lt;b&gt;</span>');
    expect(out).toContain('2 files changed');
  });
});

describe('pages', () => {
  it('escape ticket text everywhere on the queue and ticket pages', () => {
    const t = ticket({ result: { title: XSS, summary: XSS }, error: { code: 'x', message: XSS } });
    const queue = renderQueuePage({
      inflight: [t],
      recent: [ticket({ id: 't2', status: 'failed' })],
      positions: {},
      now: Date.now(),
      nonce: 'n',
    });
    const page = renderTicketPage({
      ticket: t,
      timeline: [
        { seq: 1, ticketId: 't1', event: stamp({ type: 'message', agent: 'coder', text: XSS }) },
        {
          seq: 2,
          ticketId: 't1',
          event: stamp({
            type: 'tool_call',
            agent: 'coder',
            callId: 'c1',
            name: 'run_command',
            args: { command: XSS },
          }),
        },
        {
          seq: 3,
          ticketId: 't1',
          event: stamp({
            type: 'tool_result',
            agent: 'coder',
            callId: 'c1',
            name: 'run_command',
            ok: false,
            summary: XSS,
            durationMs: 5,
          }),
        },
      ],
      evidence: emptyEvidence(),
      diff: `diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n+${XSS}`,
      now: Date.now(),
      nonce: 'n',
    });
    for (const out of [queue, page]) {
      expect(out).not.toContain('<img src=x');
      expect(out).not.toContain('<script>window');
      // The only script element is the nonce'd one.
      expect(out.match(/<script/g)).toHaveLength(1);
      expect(out).toContain('<script nonce="n">');
    }
  });

  it('renders only the newest 100 recent tickets', () => {
    const recent = Array.from({ length: 250 }, (_, i) => ticket({ id: `r${i}`, status: 'pr_opened' }));
    const out = renderQueuePage({ inflight: [], recent, positions: {}, now: 0, nonce: 'n' });
    expect(out.match(/id="row-r/g)).toHaveLength(100);
  });

  it('shows the scripted banner on a scripted ticket', () => {
    const out = renderTicketPage({
      ticket: ticket({ scripted: true }),
      timeline: [],
      evidence: emptyEvidence(),
      now: 0,
      nonce: 'n',
    });
    expect(out).toContain('This ticket ran on a scripted model (replay), not a live LLM.');
  });
});

describe('evidence media', () => {
  it('gives the video the poster: the first settled, non-blank frame', () => {
    const ev = { ...emptyEvidence(), video: 'head.webm', gif: 'head.gif' };
    expect(String(renderEvidence('t1', ev))).not.toContain('poster=');
    const out = String(renderEvidence('t1', { ...ev, poster: 'poster.png' }));
    expect(out).toMatch(
      /<video\s+id="video"\s+src="\/evidence\/t1\/head.webm"\s+poster="\/evidence\/t1\/poster.png"/,
    );
  });
});
