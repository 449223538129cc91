/** The ticket object of DESIGN.md §4: stored, served by the API, printed by `--json`. */

export const STAGES = [
  'queued',
  'preparing',
  'coding',
  'verifying',
  'reviewing',
  'publishing',
  'done',
] as const;
export type Stage = (typeof STAGES)[number];

/** `queued` and `running` are live; the other four are terminal (DESIGN.md §1). */
export type TicketStatus = 'queued' | 'running' | 'pr_opened' | 'failed' | 'rejected' | 'cancelled';
/** Every status, in the order a ticket meets them (queued first). */
export const TICKET_STATUSES: readonly TicketStatus[] = [
  'queued',
  'running',
  'pr_opened',
  'failed',
  'rejected',
  'cancelled',
];
export const TERMINAL_STATUSES: readonly TicketStatus[] = ['pr_opened', 'failed', 'rejected', 'cancelled'];
export const isTerminal = (s: TicketStatus): boolean => TERMINAL_STATUSES.includes(s);

export type RequestSource = 'slack' | 'cli' | 'web' | 'github';

export interface TicketRequest {
  text: string;
  source: RequestSource;
  requester: string;
  /** Who triggered it (the Slack user who reacted), when not the requester. */
  trigger?: string;
  slack?: {
    channel: string;
    ts: string;
    threadTs?: string;
    permalink?: string;
    /** The ts of the ticket's status message in the thread, updated in place at each stage. */
    statusTs?: string;
  };
  /** Exactly-once intake key: Slack channel+ts, or a client-given id. */
  sourceKey?: string;
  /** A follow-up ticket works on the branch of an earlier one and updates the same PR. */
  followUpOf?: string;
  /** Clarifications added while the ticket runs (Slack thread replies), seen at the next turn. */
  clarifications?: string[];
  /**
   * The coder's model for this ticket alone (an eval trial names one), as `LOOPWRIGHT_MODEL` takes
   * it on the configured endpoint; `replay:<trajectory>` plays a scripted one. Absent: the target's.
   */
  model?: string;
  /** Budgets of this ticket alone (an eval task's), over the target's. */
  budgets?: BudgetOverrides;
}

/** Budgets one ticket sets over its target's (the keys of the config's `budgets`). */
export type BudgetOverrides = Partial<
  Record<
    | 'maxTurns'
    | 'maxTokens'
    | 'maxCostUsd'
    | 'maxWallMs'
    | 'toolTimeoutMs'
    | 'maxReviewRounds'
    | 'maxProofAttempts'
    | 'compactAtTokens',
    number
  >
>;

export interface PullRequestRef {
  url: string;
  number: number;
  branch: string;
  draft: boolean;
}

/** A push that happened: the commit and tree on the branch, and the attempt (`run`) that made it. */
export interface PublishRecord {
  commit: string;
  tree: string;
  branch: string;
  run: number;
  at: string;
}

export type RunVerdict = 'passed' | 'failed';

export interface EvidenceRef {
  dir: string;
  manifest: string;
  video?: string;
  gif?: string;
  screenshots: string[];
  /** Screenshots that stayed blank (a single colour) after settling: flagged, left out of `screenshots`. */
  blank?: string[];
  proof: { base: RunVerdict; head: RunVerdict[] };
}

export type ReviewVerdict = 'approve' | 'request_changes' | 'reject';
export interface ReviewComment {
  path?: string;
  line?: number;
  body: string;
}

/**
 * One reviewer's verdict in one round (the ticket's `reviews`, DESIGN.md §4): `general` or an
 * owner's name. `usage` and `durationMs` are what that reviewer's own conversation cost.
 */
export interface ReviewerVerdict {
  reviewer: string;
  required: boolean;
  round: number;
  verdict: ReviewVerdict;
  comments: ReviewComment[];
  model?: string;
  usage?: Usage;
  durationMs?: number;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  costUsd?: number;
}

export interface Timings {
  queuedMs?: number;
  preparingMs?: number;
  codingMs?: number;
  verifyingMs?: number;
  reviewingMs?: number;
  publishingMs?: number;
  totalMs?: number;
  modelMs?: number;
}

export interface Ticket {
  id: string;
  status: TicketStatus;
  stage: Stage;
  target: string;
  /** The commit of the target's base branch the newest attempt started from. */
  baseCommit?: string;
  request: TicketRequest;
  pr?: PullRequestRef;
  evidence?: EvidenceRef;
  review?: { verdict: ReviewVerdict; comments: ReviewComment[] };
  /** One entry per reviewer per round; `review` is their combined verdict. */
  reviews?: ReviewerVerdict[];
  usage: Usage;
  timings: Timings;
  error?: { code: string; message: string };
  /** Title and summary the coder gave at `finish`. */
  result?: { title: string; summary: string };
  /** Attempts started in the current budget (config.maxAttempts); a manual retry resets it to 0. */
  attempts: number;
  /**
   * The number of the newest attempt over the ticket's whole life, never reset: the fencing token
   * an attempt's writes carry, so the store refuses the writes of an attempt that was superseded
   * (its lease went to another worker, or a person retried the ticket). Every store sets it.
   */
  run?: number;
  /** What an attempt pushed; a later attempt adopts it instead of making another change. */
  published?: PublishRecord;
  /** True when the model was the scripted replay, so every page can say so. */
  scripted?: boolean;
  createdAt: string;
  updatedAt: string;
}

export const emptyUsage = (): Usage => ({ promptTokens: 0, completionTokens: 0, cachedTokens: 0 });

export function addUsage(a: Usage, b: Partial<Usage>): Usage {
  return {
    promptTokens: a.promptTokens + (b.promptTokens ?? 0),
    completionTokens: a.completionTokens + (b.completionTokens ?? 0),
    cachedTokens: a.cachedTokens + (b.cachedTokens ?? 0),
    costUsd:
      a.costUsd === undefined && b.costUsd === undefined ? undefined : (a.costUsd ?? 0) + (b.costUsd ?? 0),
  };
}

/** `loopwright/<id>-<slug>`: the branch a ticket's change lives on. */
export function ticketBranch(id: string, text: string): string {
  const slug = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
  return `loopwright/${id}${slug ? `-${slug}` : ''}`;
}
