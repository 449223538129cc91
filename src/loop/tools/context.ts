/** What the loop's own tools (files, shell, verification, review) run against. */
import type { VerificationPlan } from '../../browser/plan.ts';
import type { ProofResult } from '../../browser/types.ts';
import type { ReviewComment, ReviewVerdict } from '../../core/ticket.ts';
import type { Sandbox } from '../../sandbox/types.ts';

/** The proof port: runs a plan on base and head (src/evidence `prove`). */
export type ProveFn = (plan: VerificationPlan, opts: { signal?: AbortSignal }) => Promise<ProofResult>;

/** Mutable per-ticket state the ending tools read and write. */
export interface LoopState {
  /** Every proof attempt, with the hash of the diff it was run on. */
  proofs: { diffHash: string; result: ProofResult }[];
  finished?: { title: string; summary: string };
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
