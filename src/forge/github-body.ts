/**
 * GitHub-specific checks of a PR body (the body itself is built by src/forge/body.ts). GitHub
 * renders GFM, where HTML such as `<details>` opens an HTML block that runs to the next blank line:
 * Markdown inside it without blank lines around it shows as raw text. Images need absolute URLs,
 * since a relative one resolves against the PR page, not the evidence branch.
 */
import { EVIDENCE_BRANCH } from './evidence-branch.ts';

export interface BodyProblem {
  line: number;
  problem: string;
}

const ABSOLUTE = /^https?:\/\//i;
/** A line that starts and ends with an HTML tag (`<summary>Test</summary>`): fine inside an HTML block. */
const ONLY_TAGS = /^\s*<\/?[a-zA-Z][^>]*>(.*<\/?[a-zA-Z][^>]*>)?\s*$/;
/** HTML block start condition 6 tags GitHub's bodies use. */
const BLOCK_TAG = /^\s*<\/?(details|summary|div|table|p)\b/i;

export function gfmProblems(body: string): BodyProblem[] {
  const problems: BodyProblem[] = [];
  const lines = body.split('\n');
  let fence: string | undefined;
  let inHtmlBlock = false;
  lines.forEach((text, i) => {
    const line = i + 1;
    const fenceMark = /^\s{0,3}(`{3,}|~{3,})/.exec(text)?.[1];
    if (!inHtmlBlock && fenceMark) {
      if (!fence) fence = fenceMark;
      else if (fenceMark.startsWith(fence)) fence = undefined;
      return;
    }
    if (fence) return;
    if (text.trim() === '') {
      inHtmlBlock = false;
      return;
    }
    if (inHtmlBlock) {
      if (!ONLY_TAGS.test(text)) {
        problems.push({
          line,
          problem: 'Markdown inside an HTML block shows as raw text: put a blank line before it',
        });
      }
    } else if (BLOCK_TAG.test(text)) {
      inHtmlBlock = true;
    }
    for (const m of text.matchAll(/!\[[^\]]*\]\(\s*<?([^)\s>]+)/g)) {
      if (!ABSOLUTE.test(m[1] ?? '')) problems.push({ line, problem: `image ${m[1]} needs an absolute URL` });
    }
    for (const m of text.matchAll(/<img\b[^>]*\bsrc=["']([^"']+)["']/gi)) {
      if (!ABSOLUTE.test(m[1] ?? '')) problems.push({ line, problem: `image ${m[1]} needs an absolute URL` });
    }
  });
  if (fence) problems.push({ line: lines.length, problem: 'a code fence is never closed' });
  return problems;
}

/**
 * The `evidenceUrl` mapper for src/forge/body.ts on GitHub: published files link to the evidence
 * branch; a file that was not published (over the cap, absent) links to the ticket's directory
 * there rather than to a 404.
 */
export function githubEvidenceLinker(
  repoWebUrl: string,
  ticketId: string,
  published: Record<string, string>,
): (relPath: string) => string {
  const dir = `${repoWebUrl}/tree/${EVIDENCE_BRANCH}/${encodeURIComponent(ticketId)}`;
  return (relPath) => published[relPath.split('\\').join('/').replace(/^\.\//, '')] ?? dir;
}
