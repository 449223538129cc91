/**
 * A team's reviewer file, `.loopwright/reviewers/<file>.md`: YAML front matter naming the team and
 * the paths it owns, then the team's review rules as Markdown.
 *
 * ```md
 * ---
 * name: query-team          # also the CODEOWNERS owner it gives rules to (`@org/query-team` or `query-team`)
 * globs: ["src/query/**"]
 * model: gpt-4.1            # optional: this reviewer's model
 * required: true            # optional (default true): must approve
 * maxRounds: 2              # optional: review rounds this reviewer allows before the change is a draft
 * ---
 * Every new SQL function has a unit test.
 * ```
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export const REVIEWERS_DIR = '.loopwright/reviewers';

export interface ReviewerFile {
  /** Repo-relative path of the file. */
  path: string;
  name: string;
  globs: string[];
  model?: string;
  required: boolean;
  maxRounds?: number;
  rules: string;
}

export interface ReviewerFileProblem {
  file: string;
  reason: string;
}

const frontMatterSchema = z
  .object({
    name: z.string().min(1).optional(),
    globs: z
      .union([z.string(), z.array(z.string())])
      .transform((g) => (Array.isArray(g) ? g : [g]))
      .default([]),
    model: z.string().min(1).optional(),
    required: z.boolean().default(true),
    maxRounds: z.number().int().min(1).optional(),
  })
  .strict();

/** Parses one reviewer file; a file that cannot be used is a problem, never a thrown error. */
export function parseReviewerFile(
  file: string,
  text: string,
): { reviewer: ReviewerFile } | { problem: ReviewerFileProblem } {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
  const problem = (reason: string) => ({ problem: { file, reason } });
  if (!m) return problem('no front matter: start the file with a --- block holding name and globs');
  let front: unknown;
  try {
    front = parseYaml(m[1]!) ?? {};
  } catch (error) {
    return problem(`the front matter is not YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const parsed = frontMatterSchema.safeParse(front);
  if (!parsed.success)
    return problem(`bad front matter: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`);
  const base = file.slice(file.lastIndexOf('/') + 1).replace(/\.md$/, '');
  const d = parsed.data;
  return {
    reviewer: {
      path: file,
      name: d.name ?? base,
      globs: d.globs,
      ...(d.model ? { model: d.model } : {}),
      required: d.required,
      ...(d.maxRounds ? { maxRounds: d.maxRounds } : {}),
      rules: m[2]!.trim(),
    },
  };
}
