/** What the loop's own tools (files, shell, verification, review) run against. */
import type { VerificationPlan } from '../../browser/plan.ts';
import type { ProofResult } from '../../browser/types.ts';
import type { ReviewComment, ReviewVerdict } from '../../core/ticket.ts';
import type { Sandbox } from '../../sandbox/types.ts';

/**
 * The proof port: runs a plan on the base commit and on a clean checkout of `tree` (src/evidence
 * `prove` over two clean rooms), never on the live worktree.
 */
export type ProveFn = (
  plan: VerificationPlan,
  opts: { signal?: AbortSignal; tree: string },
) => Promise<ProofResult>;

/** One proof attempt and the snapshot it ran on. */
export interface ProofAttempt {
  tree: string;
  diff: string;
  result: ProofResult;
}

/** Mutable per-ticket state the ending tools read and write. */
export interface LoopState {
  /** Every proof attempt, with the tree it was run on. */
  proofs: ProofAttempt[];
  /** Set by a successful `finish`: the proven snapshot the coder handed over. */
  finished?: { title: string; summary: string; proof: ProofAttempt };
  review?: { verdict: ReviewVerdict; comments: ReviewComment[] };
}

export interface LoopToolContext {
  sandbox: Sandbox;
  /** Real path of the worktree (symlinks resolved), the root file tools are confined to. */
  root: string;
  /** Where long tool output is saved; read_file may read it by absolute path. */
  outputsDir: string;
  toolTimeoutMs: number;
  signal: AbortSignal;
  prove: ProveFn;
  state: LoopState;
  /** Called around `prove` so the loop can emit the `verifying` stage. */
  onVerifying(active: boolean): void;
  /** Hosts run_command may reach besides loopback (from .loopwright.yml `network`). */
  allowedHosts: string[];
  /** Paths commands may not touch (the Loopwright home: database, other tickets' evidence). */
  deniedPaths: string[];
}
