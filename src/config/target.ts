/** `.loopwright.yml` at the target repo's root (DESIGN.md §4), parsed with errors that name the field. */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { CodedError, ErrorCode } from '../core/errors.ts';

const list = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));

export const targetSettingsSchema = z.object({
  install: z.string().optional(),
  start: z.string().optional(),
  ready: z.string().default('/'),
  checks: list.default([]),
  protected: list.default([]),
  routes: list.default([]),
  /** Hosts the sandbox may reach (host or host:port); default none. */
  network: list.default([]),
  /** Whether dependency or lockfile changes are allowed in a ticket's diff. */
  allowDependencyChanges: z.boolean().default(false),
  /** Diff size limits for the guardrails. */
  maxFilesChanged: z.number().int().positive().default(20),
  maxLinesChanged: z.number().int().positive().default(800),
  /** Milliseconds the app may take to answer on `ready`. */
  readyTimeoutMs: z.number().int().positive().default(60_000),
  /** Bound of the page-settle wait in ms (src/browser/settle.ts); default 10 s. */
  settleMs: z.number().int().positive().max(120_000).optional(),
  /** A directory of the repo: the PR adds the proof there as `<dir>/<slug>.spec.ts`. */
  proofTests: z
    .string()
    .transform((d) => d.replace(/\\/g, '/').replace(/^\.\/+|\/+$/g, ''))
    .refine((d) => d !== '' && !d.startsWith('/') && !d.split('/').includes('..'), {
      message: 'must be a directory inside the repository, e.g. tests/e2e',
    })
    .optional(),
  /** Extra gitignore-style globs of generated files kept out of every snapshot (DESIGN.md §4). */
  generated: list.default([]),
  /**
   * A Python target: the interpreter its virtual environment is made with, as a command name or
   * `{ interpreter, systemSitePackages }` (python-env.ts). Absent: a repo with a requirements or
   * Python lock file and no package.json is Python with `python3`.
   */
  python: z
    .union([
      z.string().min(1),
      z
        .object({
          interpreter: z.string().min(1).default('python3'),
          systemSitePackages: z.boolean().default(false),
        })
        .strict(),
    ])
    .transform((v) => (typeof v === 'string' ? { interpreter: v, systemSitePackages: false } : v))
    .optional(),
});
export type TargetSettings = z.infer<typeof targetSettingsSchema>;

export function parseTargetSettings(text: string, source = '.loopwright.yml'): TargetSettings {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (error) {
    throw new CodedError(
      ErrorCode.TargetConfigInvalid,
      `${source} is not valid YAML: ${(error as Error).message}`,
    );
  }
  const parsed = targetSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new CodedError(ErrorCode.TargetConfigInvalid, `${source} is invalid:\n${lines.join('\n')}`, {
      hint: 'fix the fields above in the target repository',
    });
  }
  return parsed.data;
}

/** Reads `.loopwright.yml` from a checkout; a repo without one gets the defaults. */
export function readTargetSettings(repoDir: string): TargetSettings {
  const file = path.join(repoDir, '.loopwright.yml');
  return existsSync(file)
    ? parseTargetSettings(readFileSync(file, 'utf8'), file)
    : targetSettingsSchema.parse({});
}

/** House knowledge given to the agents: AGENTS.md and `.loopwright/skills/*.md`. */
export function readHouseKnowledge(repoDir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  const agents = path.join(repoDir, 'AGENTS.md');
  if (existsSync(agents)) out.push({ path: 'AGENTS.md', text: readFileSync(agents, 'utf8') });
  const skills = path.join(repoDir, '.loopwright', 'skills');
  if (existsSync(skills)) {
    for (const name of readdirSync(skills).sort()) {
      if (name.endsWith('.md'))
        out.push({ path: `.loopwright/skills/${name}`, text: readFileSync(path.join(skills, name), 'utf8') });
    }
  }
  return out;
}
