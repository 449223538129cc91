/**
 * The forge port: where a ticket's branch is pushed and its pull request opened. The local forge
 * (bare repo under $LOOPWRIGHT_HOME/forge) is the embedded default; GitHub is the real one.
 * Publishing is idempotent: the PR for a branch is found before one is created (STYLE.md 10).
 */
import type { EvidenceRef, PullRequestRef, ReviewerVerdict, Ticket } from '../core/ticket.ts';

/**
 * What a forge publishes: exactly one tree (the proven, checked, reviewed one) as one commit on
 * `parent`, written into the trusted git dir. Forges never read a worktree.
 */
export interface PublishChange {
  /** The trusted git dir (the sandbox's mirror) holding `tree` and `parent`. */
  gitDir: string;
  tree: string;
  /** The branch head the ticket started from (the base commit, or the PR's head for a follow-up). */
  parent: string;
}

export interface PublishInput {
  ticket: Ticket;
  change: PublishChange;
  /**
   * The ticket attempt that publishes. The commit carries it (Loopwright-Attempt trailer), and a
   * branch holding a later attempt of the same ticket is never overwritten: a stale attempt is
   * refused with stale_attempt.
   */
  attempt: number;
  branch: string;
  baseBranch: string;
  title: string;
  /** Markdown PR body (built by src/forge/body.ts). */
  body: string;
  draft: boolean;
  evidence?: EvidenceRef;
  /** Each reviewer's standing verdict; a forge with review threads posts them (GitHub). */
  reviews?: ReviewerVerdict[];
  /** The published change's diff against the base, to place review comments on its lines. */
  diff?: string;
}

export interface PublishResult extends PullRequestRef {
  /** The commit now at the head of the branch (holding exactly `change.tree`). */
  commit: string;
}

export interface Forge {
  readonly kind: 'local' | 'github';
  /** The git URL sandboxes clone from (a path for the local forge). */
  cloneUrl(): string;
  /** Extra environment for one git command against this forge (credentials), never persisted. */
  gitEnv(): Record<string, string>;
  /** Commit the change, push it and open or update the PR; returns the PR and the pushed commit. */
  publish(input: PublishInput): Promise<PublishResult>;
  /** The open PR whose head is this branch, if any. */
  findPullRequest(branch: string): Promise<PullRequestRef | undefined>;
  /** Makes evidence files reachable by PR readers; returns a URL per relative path. */
  publishEvidence?(ticketId: string, dir: string, files: string[]): Promise<Record<string, string>>;
  /**
   * Maps an evidence path to the URL PR readers open, given what publishEvidence returned; a file
   * that was not published (over the size cap) links where the forge keeps the rest, never to the
   * worker's own web server, which PR readers cannot reach.
   */
  evidenceLinker?(ticketId: string, published: Record<string, string>): (relPath: string) => string;
}
