/**
 * The forge port: where a ticket's branch is pushed and its pull request opened. The local forge
 * (bare repo under $LOOPWRIGHT_HOME/forge) is the embedded default; GitHub is the real one.
 * Publishing is idempotent: the PR for a branch is found before one is created (STYLE.md 10).
 */
import type { EvidenceRef, PullRequestRef, Ticket } from '../core/ticket.ts';

export interface PublishInput {
  ticket: Ticket;
  /** The ticket's worktree, with the agent's changes not yet committed. */
  worktree: string;
  branch: string;
  baseBranch: string;
  title: string;
  /** Markdown PR body (built by src/forge/body.ts). */
  body: string;
  draft: boolean;
  evidence?: EvidenceRef;
}

export interface Forge {
  readonly kind: 'local' | 'github';
  /** The git URL sandboxes clone from (a path for the local forge). */
  cloneUrl(): string;
  /** Extra environment for one git command against this forge (credentials), never persisted. */
  gitEnv(): Record<string, string>;
  /** Commit, push and open or update the PR. */
  publish(input: PublishInput): Promise<PullRequestRef>;
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
