/** Evidence files and realistic ticket histories for page tests and screenshots. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stamp, type TicketEventInput } from '../../../src/core/events.ts';
import type { Ticket } from '../../../src/core/ticket.ts';
import type { TicketStore } from '../../../src/tickets/types.ts';

const ffmpeg = (args: string[]) =>
  execFileSync('/usr/bin/ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);

export const SAMPLE_DIFF = `diff --git a/src/components/RevenueChart.tsx b/src/components/RevenueChart.tsx
index 3f2a1c0..8b9d4e2 100644
--- a/src/components/RevenueChart.tsx
+++ b/src/components/RevenueChart.tsx
@@ -12,9 +12,17 @@ export function RevenueChart({ series }: Props) {
-  const visible = series;
+  const [hidden, setHidden] = useState<Set<string>>(new Set());
+  const visible = series.filter((s) => !hidden.has(s.name));
+  const toggle = (name: string) =>
+    setHidden((h) => {
+      const next = new Set(h);
+      next.has(name) ? next.delete(name) : next.add(name);
+      return next;
+    });
   return (
     <figure>
-      <Legend items={series} />
+      <Legend items={series} hidden={hidden} onToggle={toggle} />
       <Lines series={visible} />
     </figure>
   );
diff --git a/src/components/Legend.test.tsx b/src/components/Legend.test.tsx
new file mode 100644
--- /dev/null
+++ b/src/components/Legend.test.tsx
@@ -0,0 +1,6 @@
+import { render, screen } from '@testing-library/react';
+test('clicking an entry hides its series', async () => {
+  render(<RevenueChart series={sample} />);
+  await userEvent.click(screen.getByRole('button', { name: 'Refunds' }));
+  expect(screen.queryByTestId('series-refunds')).toBeNull();
+});
`;

/** Writes head.webm (1 s, VP8), head.gif, step screenshots, diff.patch and a manifest. */
export function writeEvidence(home: string, id: string): string {
  const dir = path.join(home, 'evidence', id);
  mkdirSync(path.join(dir, 'steps'), { recursive: true });
  ffmpeg([
    '-f',
    'lavfi',
    '-i',
    'testsrc=duration=1:size=320x240:rate=10',
    '-c:v',
    'libvpx',
    '-b:v',
    '300k',
    path.join(dir, 'head.webm'),
  ]);
  ffmpeg(['-f', 'lavfi', '-i', 'testsrc=duration=1:size=240x180:rate=5', path.join(dir, 'head.gif')]);
  const steps = [
    ['smptebars', 'Revenue dashboard loaded'],
    ['testsrc2', 'Clicked “Refunds” in the legend'],
    ['rgbtestsrc', 'Refunds line hidden'],
  ];
  steps.forEach(([src, _caption], i) =>
    ffmpeg([
      '-f',
      'lavfi',
      '-i',
      `${src}=size=480x300`,
      '-frames:v',
      '1',
      path.join(dir, 'steps', `0${i + 1}.png`),
    ]),
  );
  writeFileSync(path.join(dir, 'diff.patch'), SAMPLE_DIFF);
  writeFileSync(
    path.join(dir, 'manifest.json'),
    JSON.stringify({
      artifacts: steps.map(([, caption], i) => ({
        kind: 'screenshot',
        path: `steps/0${i + 1}.png`,
        caption,
      })),
    }),
  );
  return dir;
}

const ev = (e: TicketEventInput) => stamp(e);

/** A coder and reviewer conversation as the loop would append it. */
export async function appendSampleTimeline(store: TicketStore, id: string): Promise<void> {
  const events: TicketEventInput[] = [
    { type: 'stage', stage: 'preparing' },
    { type: 'stage', stage: 'coding' },
    {
      type: 'message',
      agent: 'coder',
      text: 'I will find the chart legend component and make entries toggle their series.',
    },
    {
      type: 'tool_call',
      agent: 'coder',
      callId: 'c1',
      name: 'search',
      args: { pattern: 'Legend', glob: 'src/**/*.tsx' },
    },
    {
      type: 'tool_result',
      agent: 'coder',
      callId: 'c1',
      name: 'search',
      ok: true,
      summary: 'src/components/Legend.tsx:3\nsrc/components/RevenueChart.tsx:20',
      durationMs: 41,
    },
    {
      type: 'tool_call',
      agent: 'coder',
      callId: 'c2',
      name: 'edit_file',
      args: {
        path: 'src/components/RevenueChart.tsx',
        old_string: 'const visible = series;',
        new_string: '…',
      },
    },
    {
      type: 'tool_result',
      agent: 'coder',
      callId: 'c2',
      name: 'edit_file',
      ok: true,
      summary: 'Edited src/components/RevenueChart.tsx (1 replacement)',
      durationMs: 12,
    },
    {
      type: 'tool_call',
      agent: 'coder',
      callId: 'c3',
      name: 'browser_navigate',
      args: { url: '/dashboards/revenue' },
    },
    {
      type: 'tool_result',
      agent: 'coder',
      callId: 'c3',
      name: 'browser_navigate',
      ok: true,
      summary: 'Page: Revenue · Datadesk',
      durationMs: 820,
    },
    {
      type: 'tool_call',
      agent: 'coder',
      callId: 'c4',
      name: 'run_command',
      args: { command: 'npm test -- Legend' },
    },
    {
      type: 'tool_result',
      agent: 'coder',
      callId: 'c4',
      name: 'run_command',
      ok: false,
      summary: 'exit 1: expected null, received <path data-testid="series-refunds">',
      durationMs: 3400,
    },
    { type: 'stage', stage: 'verifying' },
    { type: 'proof', outcome: 'proven', detail: 'base failed at step 3; head passed twice' },
    { type: 'stage', stage: 'reviewing' },
    {
      type: 'review',
      verdict: 'approve',
      comments: [{ path: 'src/components/RevenueChart.tsx', line: 14, body: 'Toggle logic is clear.' }],
      round: 1,
    },
    { type: 'guardrail', ok: true, findings: [] },
    { type: 'stage', stage: 'publishing' },
  ];
  for (const e of events) await store.append(id, ev(e));
}

/** Marks a ticket as published with evidence, review, usage and timings. */
export async function finishTicket(
  store: TicketStore,
  home: string,
  id: string,
  prNumber: number,
): Promise<Ticket> {
  const dir = path.join(home, 'evidence', id);
  await store.append(id, ev({ type: 'finished', status: 'pr_opened' }));
  return store.update(id, {
    status: 'pr_opened',
    stage: 'done',
    pr: { url: `/prs/${prNumber}`, number: prNumber, branch: `loopwright/${id}-legend-toggle`, draft: false },
    evidence: {
      dir,
      manifest: 'manifest.json',
      video: 'head.webm',
      gif: 'head.gif',
      screenshots: ['steps/01.png', 'steps/02.png', 'steps/03.png'],
      proof: { base: 'failed', head: ['passed', 'passed'] },
    },
    review: {
      verdict: 'approve',
      comments: [{ path: 'src/components/RevenueChart.tsx', line: 14, body: 'Toggle logic is clear.' }],
    },
    usage: { promptTokens: 48_210, completionTokens: 3_904, cachedTokens: 21_000, costUsd: 0.1388 },
    timings: {
      queuedMs: 2_100,
      preparingMs: 14_800,
      codingMs: 96_400,
      verifyingMs: 31_200,
      reviewingMs: 18_900,
      publishingMs: 4_300,
      totalMs: 167_700,
      modelMs: 71_000,
    },
    result: {
      title: 'Legend entries toggle their revenue line',
      summary: 'Clicking a legend entry now hides or shows its series; a unit test covers it.',
    },
  });
}
