/**
 * The review panel of one ticket: the general reviewer plus one reviewer per owner whose paths the
 * change touches (owners read from the base commit), each in its own conversation, run side by
 * side up to a bound. It remembers what each reviewer said about which tree, so a later round
 * asks again only those that requested changes, those whose paths changed since they last
 * reviewed, and owners the change newly touches.
 */
import type { ProofResult } from '../../browser/types.ts';
import { stamp, type TicketEvent } from '../../core/events.ts';
import { addUsage, emptyUsage, type ReviewerVerdict, type Usage } from '../../core/ticket.ts';
import type { OwnersSetup } from '../../owners/load.ts';
import { ownersOfChange, ownersOfPath } from '../../owners/resolve.ts';
import { gitOut } from '../../sandbox/git.ts';
import type { BudgetTracker } from '../budget.ts';
import type { EventQueue } from '../events.ts';
import type { ChatModel } from '../llm/types.ts';
import type { GuardrailFinding } from '../policy/diff.ts';
import { parseDiff } from '../policy/parse.ts';
import { runReviewer, type ReviewInput } from '../reviewer.ts';
import type { Transcript } from '../transcript.ts';
import { combine, type Combined } from './combine.ts';
import type { ReviewerRole } from './prompts.ts';

export interface PanelOptions {
  setup: OwnersSetup;
  /** The trusted git dir holding the candidate trees (to see what changed between rounds). */
  gitDir: string;
  /** How many reviewers run at once. */
  concurrency: number;
  /** The reviewers' model; an owner with its own `model` gets `modelFor(model)` when given. */
  model: ChatModel;
  modelFor?: (model: string) => ChatModel;
}

/** What one round is about: the candidate and what the coder said of it. */
export interface RoundInput {
  round: number;
  tree: string;
  diff: string;
  request: string;
  proof?: ProofResult;
  guardrails: GuardrailFinding[];
  coderSummary?: { title: string; summary: string };
  files: ReviewInput['files'];
  budget: BudgetTracker;
  transcript: Transcript;
  signal: AbortSignal;
  toolTimeoutMs: number;
  /** Where the reviewers' events go (the loop's queue). */
  queue: EventQueue;
}

export interface RoundResult {
  combined: Combined;
  /** The reviewers of this change, and the verdicts given in this round. */
  members: ReviewerRole[];
  given: ReviewerVerdict[];
  /** A required reviewer still asking for changes has used up its own `maxRounds`. */
  outOfRounds: ReviewerVerdict[];
}

export class ReviewPanel {
  /** Every verdict given, one per reviewer per round (the ticket's `reviews`). */
  readonly entries: ReviewerVerdict[] = [];
  private readonly opts: PanelOptions;
  private readonly last = new Map<string, { tree: string; entry: ReviewerVerdict }>();

  constructor(opts: PanelOptions) {
    this.opts = opts;
  }

  /** The general reviewer and the owners of the change, with the changed paths each owns. */
  members(changed: string[]): ReviewerRole[] {
    const general: ReviewerRole = { name: 'general', required: true, general: true, paths: [] };
    const owners = ownersOfChange(this.opts.setup, changed).map(({ owner, paths }): ReviewerRole => ({
      ...owner,
      general: false,
      paths,
    }));
    return [general, ...owners];
  }

  /** Which members review `tree` now. */
  async due(members: ReviewerRole[], tree: string): Promise<ReviewerRole[]> {
    const out: ReviewerRole[] = [];
    for (const m of members) {
      const last = this.last.get(m.name);
      if (!last || last.entry.verdict === 'request_changes') out.push(m);
      else if (last.tree !== tree && (await this.touched(m, last.tree, tree))) out.push(m);
    }
    return out;
  }

  /** Runs one round; events are forwarded to `input.queue` as they happen. */
  async *round(input: RoundInput): AsyncGenerator<TicketEvent, RoundResult> {
    const changed = changedPaths(input.diff);
    const members = this.members(changed);
    const due = await this.due(members, input.tree);
    const given = yield* input.queue.drain(
      pool(due, this.opts.concurrency, (role) => this.review(role, changed, input)),
    );
    for (const entry of given) {
      this.entries.push(entry);
      this.last.set(entry.reviewer, { tree: input.tree, entry });
    }
    const latest = members.flatMap((m) => {
      const last = this.last.get(m.name);
      return last ? [last.entry] : [];
    });
    const outOfRounds = given.filter((e) => {
      const max = members.find((m) => m.name === e.reviewer)?.maxRounds;
      const times = this.entries.filter((x) => x.reviewer === e.reviewer).length;
      return e.required && e.verdict === 'request_changes' && max !== undefined && times >= max;
    });
    return { combined: combine(latest), members, given, outOfRounds };
  }

  /** One reviewer's conversation; its events go to the loop's queue tagged with its name. */
  private async review(role: ReviewerRole, changed: string[], input: RoundInput): Promise<ReviewerVerdict> {
    const model = role.model && this.opts.modelFor ? this.opts.modelFor(role.model) : this.opts.model;
    const started = performance.now();
    let usage: Usage = emptyUsage();
    const run = runReviewer({ ...input, role, model, changed });
    const tag = (e: TicketEvent): TicketEvent =>
      role.general || !('agent' in e) ? e : ({ ...e, reviewer: role.name } as TicketEvent);
    for (;;) {
      const next = await run.next();
      if (next.done) {
        const entry: ReviewerVerdict = {
          reviewer: role.name,
          required: role.required,
          round: input.round,
          verdict: next.value.verdict,
          comments: next.value.comments,
          model: model.name,
          usage,
          durationMs: Math.round(performance.now() - started),
        };
        input.queue.forward(stamp({ type: 'reviewer_verdict', ...entry }));
        return entry;
      }
      if (next.value.type === 'usage') usage = addUsage(usage, next.value.usage);
      input.queue.forward(tag(next.value));
    }
  }

  /** True when a path this member answers for changed between two trees. */
  private async touched(m: ReviewerRole, from: string, to: string): Promise<boolean> {
    const out = await gitOut(['diff', '--name-only', '-z', '--no-renames', from, to, '--'], {
      gitDir: this.opts.gitDir,
    });
    const paths = out.split('\0').filter(Boolean);
    return paths.some((p) => {
      const owners = ownersOfPath(this.opts.setup, p);
      // The general reviewer answers for what no owner owns.
      return m.general ? owners.length === 0 : owners.some((o) => o.name === m.name);
    });
  }
}

/** Every path a diff changes (old and new names). */
export function changedPaths(diff: string): string[] {
  const out = new Set<string>();
  for (const f of parseDiff(diff)) {
    out.add(f.path);
    if (f.oldPath) out.add(f.oldPath);
  }
  return [...out];
}

/** Runs `fn` over `items` with at most `limit` at once; results in the items' order. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
