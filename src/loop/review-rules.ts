/**
 * Path-scoped review rules, like code owners: `.loopwright/reviewers/*.md` in the target repo, each
 * with YAML front matter `globs: [...]` (and optionally `name`); a file's rules are given to the
 * reviewer when the diff touches a path matching one of its globs.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { matchesAny } from './policy/paths.ts';

export interface ReviewRuleSet {
  /** Repo-relative path of the rules file. */
  path: string;
  name: string;
  globs: string[];
  rules: string;
}

const frontMatterSchema = z.object({
  name: z.string().optional(),
  globs: z.union([z.string(), z.array(z.string())]).transform((g) => (Array.isArray(g) ? g : [g])),
});

export function loadReviewRules(repoDir: string): ReviewRuleSet[] {
  const dir = path.join(repoDir, '.loopwright', 'reviewers');
  if (!existsSync(dir)) return [];
  const out: ReviewRuleSet[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.md')) continue;
    const text = readFileSync(path.join(dir, file), 'utf8');
    const m = /^---\n([\s\S]*?)\n---\n?([\s\S]*)$/.exec(text);
    if (!m) continue;
    let front: unknown;
    try {
      front = parseYaml(m[1]!);
    } catch {
      continue;
    }
    const parsed = frontMatterSchema.safeParse(front);
    if (!parsed.success) continue;
    out.push({
      path: `.loopwright/reviewers/${file}`,
      name: parsed.data.name ?? file.replace(/\.md$/, ''),
      globs: parsed.data.globs,
      rules: m[2]!.trim(),
    });
  }
  return out;
}

/** The rule sets whose globs match at least one changed path. */
export const applicableRules = (rules: ReviewRuleSet[], changedPaths: string[]): ReviewRuleSet[] =>
  rules.filter((r) => changedPaths.some((p) => matchesAny(p, r.globs)));
