/**
 * How to fix what a guardrail refused, in words the coder can act on (STYLE.md 3): a finding that
 * only says "no" sends the model guessing, or ends the ticket.
 */
import type { DiffFile } from './parse.ts';

const quote = (p: string): string => `'${p.replace(/'/g, `'\\''`)}'`;

/** How to take a file's change back out of the diff. */
export function undoHint(f: Pick<DiffFile, 'path' | 'status'>): string {
  if (f.status === 'added') return `remove it with run_command \`rm ${quote(f.path)}\``;
  if (f.status === 'deleted') return `restore ${f.path} (write_file with its original content)`;
  return `put back its original content with edit_file or write_file`;
}

/** The fix for a binary file in the diff: remove it, and name where generated patterns belong. */
export function binaryHint(f: Pick<DiffFile, 'path' | 'status'>): string {
  return (
    `If you did not mean to change it, ${undoHint(f)}. ` +
    `If a tool writes it whenever it runs, it is a generated file: its pattern belongs under \`generated\` in .loopwright.yml ` +
    '(read from the base branch, so the maintainers add it there); remove it from this change meanwhile.'
  );
}
