/**
 * Who owns what: a path's owners are the reviewer files whose globs match it plus the owners of
 * the last CODEOWNERS line that matches it. A CODEOWNERS owner is given the rules of the reviewer
 * file named after it (`@org/team`, `org/team` or `team`); without one it is reviewed for with the
 * general rules.
 */
import picomatch from 'picomatch';
import { ownersOf } from './codeowners.ts';
import type { OwnersSetup } from './load.ts';
import type { ReviewerFile } from './reviewers.ts';

export interface Owner {
  /** The reviewer file's name, or the CODEOWNERS handle when no file gives rules to it. */
  name: string;
  required: boolean;
  model?: string;
  maxRounds?: number;
  /** The team's rules; absent: the general rules apply. */
  rules?: string;
  /** Where the rules come from. */
  rulesPath?: string;
}

/** An owner of a change and the changed paths that are its own. */
export interface OwnerOfChange {
  owner: Owner;
  paths: string[];
}

const fromFile = (r: ReviewerFile): Owner => ({
  name: r.name,
  required: r.required,
  ...(r.model ? { model: r.model } : {}),
  ...(r.maxRounds ? { maxRounds: r.maxRounds } : {}),
  rules: r.rules,
  rulesPath: r.path,
});

/** The reviewer file that gives rules to a CODEOWNERS handle, if any. */
function fileFor(setup: OwnersSetup, handle: string): ReviewerFile | undefined {
  const bare = handle.replace(/^@/, '');
  const team = bare.includes('/') ? bare.slice(bare.indexOf('/') + 1) : undefined;
  return setup.reviewers.find((r) => r.name === handle || r.name === bare || r.name === team);
}

/** The owners of one repo-relative path, each once. */
export function ownersOfPath(setup: OwnersSetup, path: string): Owner[] {
  const out = new Map<string, Owner>();
  for (const r of setup.reviewers) {
    if (r.globs.length && picomatch(r.globs, { dot: true })(path)) out.set(r.name, fromFile(r));
  }
  if (setup.codeowners) {
    for (const handle of ownersOf(setup.codeowners, path).owners) {
      const file = fileFor(setup, handle);
      const owner: Owner = file ? fromFile(file) : { name: handle, required: true };
      if (!out.has(owner.name)) out.set(owner.name, owner);
    }
  }
  return [...out.values()];
}

/** The owners whose paths `changed` touches, with those paths, in a stable order (by name). */
export function ownersOfChange(setup: OwnersSetup, changed: string[]): OwnerOfChange[] {
  const byName = new Map<string, OwnerOfChange>();
  for (const path of changed) {
    for (const owner of ownersOfPath(setup, path)) {
      const entry = byName.get(owner.name) ?? { owner, paths: [] };
      if (!entry.paths.includes(path)) entry.paths.push(path);
      byName.set(owner.name, entry);
    }
  }
  return [...byName.values()].sort((a, b) => a.owner.name.localeCompare(b.owner.name));
}
