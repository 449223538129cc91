/**
 * The candidate: one snapshotted tree of the agent's worktree and what each stage established
 * about exactly that tree (STYLE.md 15). It flows snapshot → prove → guardrails → review → checks
 * → publish; every stage takes a candidate and returns it with its result attached, stamped with
 * the tree it was computed on. A result stamped with another tree does not count.
 *
 * `publishable` is the only way to a `Publishable`, and a forge publishes only a `Publishable`:
 * "what is published is what was proven, checked and reviewed" is a property of the types, not a
 * check remembered in one place.
 */
import type { ProofOutcomeKind } from './events.ts';
import type { EvidenceRef, ReviewComment, ReviewerVerdict, ReviewVerdict } from './ticket.ts';

export interface CheckResult {
  command: string;
  ok: boolean;
  durationMs?: number;
}

export interface Candidate {
  /** The tree id in the sandbox's trusted git dir. */
  readonly tree: string;
  /** The diff of `tree` against the base commit: what the guardrails and the reviewer judge. */
  readonly diff: string;
  readonly proof?: {
    readonly tree: string;
    readonly outcome: ProofOutcomeKind;
    readonly evidence?: EvidenceRef;
  };
  readonly guardrails?: { readonly tree: string; readonly ok: boolean; readonly findings: string[] };
  readonly review?: {
    readonly tree: string;
    /** The combined verdict of every required reviewer. */
    readonly verdict: ReviewVerdict;
    readonly comments: ReviewComment[];
    /** Each reviewer's verdicts so far, one per reviewer per round (the general one and the owners'). */
    readonly reviews?: readonly ReviewerVerdict[];
  };
  readonly checks?: { readonly tree: string; readonly ok: boolean; readonly results: CheckResult[] };
  /**
   * The proof kept as a Playwright test (`.loopwright.yml` `proofTests`): `tree` is `fromTree` (the
   * proven and reviewed tree) plus exactly the file at `path`, which passed under @playwright/test
   * against the app of `tree` in a clean room. Only this can move a proof and a review to a tree.
   */
  readonly proofTest?: {
    readonly tree: string;
    readonly fromTree: string;
    readonly path: string;
  };
}

/**
 * The candidate moved to the tree that adds its proof as a test: the proof and the review stay
 * with the tree they were made on (`fromTree`), the guardrails and the checks must run again on the
 * new tree. The caller has built `tree` from `c.tree` plus the one file and seen the test pass.
 */
export function withProofTest(c: Candidate, added: { tree: string; path: string; diff: string }): Candidate {
  const { guardrails: _g, checks: _c, ...kept } = c;
  return {
    ...kept,
    tree: added.tree,
    diff: added.diff,
    proofTest: { tree: added.tree, fromTree: c.tree, path: added.path },
  };
}

type Attachment = 'proof' | 'guardrails' | 'review' | 'checks';

/** The candidate with one more result, stamped with the candidate's tree. */
export function attach<K extends Attachment>(
  c: Candidate,
  key: K,
  value: Omit<NonNullable<Candidate[K]>, 'tree'>,
): Candidate {
  return { ...c, [key]: { ...value, tree: c.tree } };
}

/** A candidate cleared for publishing: a ready PR, or a draft for a person to decide. */
export interface Publishable {
  readonly candidate: Candidate;
  readonly draft: boolean;
  /** Why it is a draft (empty for a ready PR). */
  readonly reasons: string[];
}

export type Clearance = { ok: true; publishable: Publishable } | { ok: false; reason: string };

/**
 * Decides whether a candidate may be published. Ready only when this tree failed on base and passed
 * twice on head, passed the guardrails and the checks, and was approved. A proven, guarded and
 * checked tree that the reviewer did not approve in the rounds allowed (`allowDraft`) becomes a
 * draft. Anything else is refused with the reason.
 */
export function publishable(c: Candidate, opts: { allowDraft?: boolean } = {}): Clearance {
  const own = <T extends { tree: string }>(r: T | undefined): T | undefined =>
    r?.tree === c.tree ? r : undefined;
  // The proof and the review of the tree the proof test was added to count for the tree with it.
  const carried = c.proofTest?.tree === c.tree ? c.proofTest.fromTree : undefined;
  const provenOn = <T extends { tree: string }>(r: T | undefined): T | undefined =>
    own(r) ?? (carried !== undefined && r?.tree === carried ? r : undefined);
  const proof = provenOn(c.proof);
  if (!proof) return { ok: false, reason: 'this tree was never proven (no verification plan ran on it)' };
  if (proof.outcome !== 'proven')
    return { ok: false, reason: `this tree's proof was ${proof.outcome}, not proven` };
  const guard = own(c.guardrails);
  if (!guard) return { ok: false, reason: 'the guardrails never checked this tree' };
  if (!guard.ok) return { ok: false, reason: `guardrails refused the diff: ${guard.findings.join('; ')}` };
  const checks = own(c.checks);
  if (!checks) return { ok: false, reason: 'the checks never ran on this tree' };
  if (!checks.ok) {
    const failed = checks.results.filter((r) => !r.ok).map((r) => `\`${r.command}\``);
    return { ok: false, reason: `the checks fail on this tree: ${failed.join(', ')}` };
  }
  const review = provenOn(c.review);
  if (!review) return { ok: false, reason: 'no reviewer approved this tree' };
  if (review.verdict === 'approve')
    return { ok: true, publishable: { candidate: c, draft: false, reasons: [] } };
  if (review.verdict === 'request_changes' && opts.allowDraft) {
    return {
      ok: true,
      publishable: { candidate: c, draft: true, reasons: ['the reviewer still requested changes'] },
    };
  }
  return { ok: false, reason: `the reviewer's verdict on this tree was ${review.verdict}` };
}
