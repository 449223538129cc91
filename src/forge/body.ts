/**
 * The pull request body: the request, the summary, files changed, the proof (plan as a checklist
 * with each step's result, before/after screenshots, GIF, video), checks, the reviewer's verdict,
 * usage, and the Playwright test. Pure: evidence files become links through `evidenceUrl`, so the
 * local forge and GitHub each say where their files live.
 */
import path from 'node:path';
import type { Step } from '../browser/plan.ts';
import type { PlanRun, ProofResult } from '../browser/types.ts';
import type { CheckResult } from '../core/candidate.ts';
import { redact } from '../core/redact.ts';
import type { ReviewComment, ReviewerVerdict, ReviewVerdict, Ticket, Usage } from '../core/ticket.ts';
import { reviewsSection } from './review-table.ts';

export interface FileChange {
  path: string;
  additions: number;
  deletions: number;
}

export type { CheckResult } from '../core/candidate.ts';

export interface PrBodyInput {
  ticket: Ticket;
  title?: string;
  summary?: string;
  files?: FileChange[];
  proof?: ProofResult;
  checks?: CheckResult[];
  review?: { verdict: ReviewVerdict; comments: ReviewComment[] };
  /** Each reviewer's verdicts (general and owners): shown as a table with their comments. */
  reviews?: readonly ReviewerVerdict[];
  usage?: Usage;
  modelMs?: number;
  /** URL of an evidence file, given its path relative to the evidence dir (e.g. `head.webm`). */
  evidenceUrl: (relPath: string) => string;
  /** The ticket page, when a web UI serves it. */
  ticketUrl?: string;
  /** The model was the scripted replay: the PR says so. */
  scripted?: boolean;
  /** Guardrail findings that did not block (warnings). */
  notes?: string[];
}

/** Counts of a unified diff per file, for "files changed". */
export function diffStat(diff: string): FileChange[] {
  const out: FileChange[] = [];
  let current: FileChange | undefined;
  for (const line of diff.split('\n')) {
    if (line.startsWith('diff --git ')) {
      const m = / b\/(.+)$/.exec(line);
      current = { path: m?.[1] ?? line.slice(11), additions: 0, deletions: 0 };
      out.push(current);
    } else if (current && line.startsWith('+') && !line.startsWith('+++ ')) current.additions++;
    else if (current && line.startsWith('-') && !line.startsWith('--- ')) current.deletions++;
  }
  return out;
}

const quote = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');

/** Markdown-safe inline text (no tables or HTML breaking out). */
const inline = (text: string) =>
  text.replace(/[\r\n]+/g, ' ').replace(/[<>|]/g, (c) => `&#${c.charCodeAt(0)};`);

function describeTarget(t: unknown): string {
  if (!t || typeof t !== 'object') return '';
  const o = t as Record<string, unknown>;
  if (o.role) return `${o.role}${o.name ? ` "${o.name}"` : ''}`;
  if (o.label) return `field labelled "${o.label}"`;
  if (o.text) return `text "${o.text}"`;
  if (o.testId) return `test id \`${o.testId}\``;
  if (o.css) return `\`${o.css}\``;
  return '';
}

export function describeStep(step: Step): string {
  switch (step.action) {
    case 'goto':
      return `Open \`${step.url}\``;
    case 'click':
      return `Click ${describeTarget(step.target)}`;
    case 'fill':
      return `Type "${step.value}" into ${describeTarget(step.target)}`;
    case 'press':
      return `Press ${step.key}`;
    case 'select':
      return `Choose ${JSON.stringify(step.value)} in ${describeTarget(step.target)}`;
    case 'expect_visible':
      return `Expect ${describeTarget(step.target)} to be visible`;
    case 'expect_hidden':
      return `Expect ${describeTarget(step.target)} to be hidden`;
    case 'expect_text':
      return `Expect ${describeTarget(step.target)} to show "${step.text}"`;
    case 'expect_url':
      return `Expect the URL to match \`${step.pattern}\``;
    case 'screenshot':
      return `Screenshot${step.caption ? `: ${step.caption}` : ''}`;
  }
}

function runLine(run: PlanRun): string {
  const failed = run.steps.find((s) => s.status === 'failed');
  return failed
    ? `failed at step ${failed.index} (${failed.action})${failed.error ? `: ${inline(failed.error).slice(0, 160)}` : ''}`
    : `passed (${run.steps.length} steps, ${(run.durationMs / 1000).toFixed(1)} s)`;
}

/** Screenshots that stayed a single colour are named, never shown as evidence. */
function blankWarning(blank: string[]): string[] {
  return [
    '> [!WARNING]',
    `> ${blank.length} screenshot(s) stayed blank (a single colour) after the page settled and are not shown as evidence: ${blank.map((p) => `\`${inline(p)}\``).join(', ')}.`,
  ];
}

function proofSection(input: PrBodyInput, rel: (p: string) => string): string[] {
  const proof = input.proof;
  if (!proof) return ['## Proof', '', '_No verification run._'];
  const out = ['## Proof', ''];
  const base = proof.runs.find((r) => r.label === 'base');
  const heads = proof.runs.filter((r) => r.label.startsWith('head'));
  if (proof.outcome === 'proven') {
    out.push(`**Fails on the base, passes on the change twice.** ${inline(proof.plan.title)}`, '');
  } else {
    out.push(`**Not proven (${proof.outcome}).** ${inline(proof.feedback).slice(0, 300)}`, '');
  }
  const head = heads[0];
  proof.plan.steps.forEach((step, i) => {
    const result = head?.steps.find((s) => s.index === i + 1);
    const mark = result?.status === 'passed' ? 'x' : ' ';
    const status = result ? ` — ${result.status}` : '';
    out.push(`- [${mark}] ${inline(describeStep(step))}${status}`);
  });
  out.push('');
  if (base) out.push(`- Base (old code): ${runLine(base)}`);
  for (const h of heads)
    out.push(`- ${h.label === 'head-1' ? 'Change, run 1' : 'Change, run 2'}: ${runLine(h)}`);
  out.push('');

  const ev = input.ticket.evidence ?? proof.evidence;
  if (ev) {
    const blank = (ev.blank ?? []).map(rel);
    const beforeAfter = ev.screenshots.map(rel).filter((p) => p.startsWith('after/'));
    if (beforeAfter.length) {
      out.push('| Before | After |', '|---|---|');
      for (const after of beforeAfter) {
        const before = `before/${after.slice('after/'.length)}`;
        const cell = blank.includes(before) ? '_blank page_' : `![before](${input.evidenceUrl(before)})`;
        out.push(`| ${cell} | ![after](${input.evidenceUrl(after)}) |`);
      }
      out.push('');
    }
    if (blank.length) out.push(...blankWarning(blank), '');
    const steps = ev.screenshots.map(rel).filter((p) => !p.startsWith('after/'));
    for (const shot of steps.slice(0, 4)) out.push(`![${path.basename(shot)}](${input.evidenceUrl(shot)})`);
    if (steps.length) out.push('');
    if (ev.gif) out.push(`![The passing run](${input.evidenceUrl(rel(ev.gif))})`, '');
    const links = [
      ev.video ? `[video of the passing run](${input.evidenceUrl(rel(ev.video))})` : '',
      `[video on the old code](${input.evidenceUrl('base.webm')})`,
      `[trace](${input.evidenceUrl('trace.zip')})`,
      `[manifest](${input.evidenceUrl('manifest.json')})`,
    ].filter(Boolean);
    out.push(links.join(' · '), '');
  }
  return out;
}

export function buildPrBody(input: PrBodyInput): string {
  const { ticket } = input;
  const dir = ticket.evidence?.dir ?? input.proof?.evidence?.dir;
  const rel = (p: string) =>
    dir && path.isAbsolute(p) ? path.relative(dir, p).split(path.sep).join('/') : p;
  const req = ticket.request;
  const out: string[] = [];
  if (input.scripted) {
    out.push(
      '> [!NOTE]',
      '> Made with the **scripted demo model** (a replayed trajectory), not a live LLM.',
      '',
    );
  }
  out.push('## Request', '', quote(req.text));
  const who = [`${req.requester} via ${req.source}`];
  if (req.slack?.permalink) who.push(`[Slack thread](${req.slack.permalink})`);
  if (input.ticketUrl) who.push(`[ticket ${ticket.id}](${input.ticketUrl})`);
  else who.push(`ticket \`${ticket.id}\``);
  who.push(`target \`${ticket.target}\``);
  out.push('', `— ${who.join(' · ')}`);
  if (req.followUpOf) out.push('', `Follow-up of ticket \`${req.followUpOf}\`: this updates its change.`);
  for (const c of req.clarifications ?? []) out.push('', `Clarification:`, quote(c));
  out.push('', '## Summary', '', input.summary?.trim() || '_No summary given._', '');

  const files = input.files ?? [];
  if (files.length) {
    out.push('## Files changed', '');
    for (const f of files) out.push(`- \`${f.path}\` (+${f.additions} −${f.deletions})`);
    out.push('');
  }
  out.push(...proofSection(input, rel));

  if (input.checks?.length) {
    out.push('## Checks', '');
    for (const c of input.checks) {
      const t = c.durationMs === undefined ? '' : ` (${(c.durationMs / 1000).toFixed(1)} s)`;
      out.push(`- ${c.ok ? '✅' : '❌'} \`${inline(c.command)}\`${t}`);
    }
    out.push('');
  }
  if (input.reviews?.length) out.push(...reviewsSection(input.reviews));
  else if (input.review) {
    out.push('## Review', '', `Reviewer verdict: **${input.review.verdict}**`);
    for (const c of input.review.comments) {
      const where = c.path ? `\`${c.path}${c.line ? `:${c.line}` : ''}\`: ` : '';
      out.push(`- ${where}${inline(c.body)}`);
    }
    out.push('');
  }
  for (const n of input.notes ?? []) out.push(`- Note: ${inline(n)}`);
  const u = input.usage ?? ticket.usage;
  const cost = u.costUsd === undefined ? '' : `, $${u.costUsd.toFixed(2)}`;
  const modelTime = input.modelMs === undefined ? '' : `, ${(input.modelMs / 1000).toFixed(1)} s model time`;
  out.push(
    '## Usage',
    '',
    `${u.promptTokens} prompt tokens (${u.cachedTokens} cached), ${u.completionTokens} completion tokens${cost}${modelTime}.`,
    '',
  );
  if (input.proof?.playwrightTest) {
    out.push(
      '<details><summary>The proof as a Playwright test</summary>',
      '',
      '```ts',
      input.proof.playwrightTest.trim(),
      '```',
      '',
      '</details>',
      '',
    );
  }
  return redact(out.join('\n'));
}
