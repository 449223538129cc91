/**
 * Reads a repository's owners from one commit in a trusted git dir, through the one git runner
 * (src/sandbox/git.ts): the reviewer files and the CODEOWNERS file as the base branch holds them,
 * never as an agent's worktree has them. What cannot be used is listed in `problems`, not thrown.
 */
import { gitOut } from '../sandbox/git.ts';
import { CODEOWNERS_LOCATIONS, parseCodeowners, type Codeowners } from './codeowners.ts';
import { parseReviewerFile, REVIEWERS_DIR, type ReviewerFile } from './reviewers.ts';

export interface OwnersSetup {
  /** The commit the files were read from (absent when built from files in memory). */
  commit?: string;
  reviewers: ReviewerFile[];
  codeowners?: Codeowners;
  /** Lines and files that were skipped, with why: shown on the ticket and by `loopwright owners`. */
  problems: string[];
}

/** The owners set-up from repo-relative files (path → text). */
export function ownersFromFiles(files: Record<string, string>): OwnersSetup {
  const reviewers: ReviewerFile[] = [];
  const problems: string[] = [];
  const names = new Map<string, string>();
  for (const file of Object.keys(files).sort()) {
    if (!file.startsWith(`${REVIEWERS_DIR}/`) || !file.endsWith('.md')) continue;
    const parsed = parseReviewerFile(file, files[file]!);
    if ('problem' in parsed) {
      problems.push(`${file}: ${parsed.problem.reason}; skipped`);
      continue;
    }
    const earlier = names.get(parsed.reviewer.name);
    if (earlier) {
      problems.push(`${file}: the name "${parsed.reviewer.name}" is already used by ${earlier}; skipped`);
      continue;
    }
    names.set(parsed.reviewer.name, file);
    reviewers.push(parsed.reviewer);
  }
  const location = CODEOWNERS_LOCATIONS.find((l) => files[l] !== undefined);
  const codeowners = location ? parseCodeowners(files[location]!, location) : undefined;
  for (const p of codeowners?.problems ?? [])
    problems.push(`${p.file}:${p.line}: ${p.reason}; the line "${p.text}" is skipped`);
  return { reviewers, ...(codeowners ? { codeowners } : {}), problems };
}

/** The owners set-up at `commit` in `gitDir`. */
export async function loadOwners(gitDir: string, commit: string): Promise<OwnersSetup> {
  const listed = await gitOut(
    ['ls-tree', '-r', '-z', '--name-only', commit, '--', REVIEWERS_DIR, ...CODEOWNERS_LOCATIONS],
    { gitDir },
  );
  const paths = listed.split('\0').filter(Boolean);
  const files: Record<string, string> = {};
  for (const p of paths) files[p] = await gitOut(['cat-file', 'blob', `${commit}:${p}`], { gitDir });
  return { ...ownersFromFiles(files), commit };
}
