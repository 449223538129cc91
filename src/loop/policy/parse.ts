/** A small parser for `git diff` output: which files changed, how, and which lines were added or removed. */

export interface DiffFile {
  /** Path after the change (before it, for deletions). */
  path: string;
  oldPath?: string;
  status: 'added' | 'deleted' | 'modified' | 'renamed';
  binary: boolean;
  /** Added lines with their new line numbers. */
  added: { line: number; text: string }[];
  removed: string[];
  mode?: string;
}

const unquote = (p: string): string => (p.startsWith('"') ? (JSON.parse(p) as string) : p);
const strip = (p: string): string => unquote(p.trim()).replace(/^[ab]\//, '');

export function parseDiff(diff: string): DiffFile[] {
  const files: DiffFile[] = [];
  let file: DiffFile | undefined;
  let newLine = 0;
  for (const line of diff.split('\n')) {
    if (line.startsWith('diff --git ')) {
      const m = /^diff --git (?:"?a\/)(.+?)"? (?:"?b\/)(.+?)"?$/.exec(line);
      file = {
        path: m ? m[2]! : line.slice(11),
        oldPath: m?.[1],
        status: 'modified',
        binary: false,
        added: [],
        removed: [],
      };
      files.push(file);
      continue;
    }
    if (!file) continue;
    if (line.startsWith('new file mode')) {
      file.status = 'added';
      file.mode = line.slice(14);
    } else if (line.startsWith('deleted file mode')) file.status = 'deleted';
    else if (line.startsWith('rename from ')) {
      file.status = 'renamed';
      file.oldPath = line.slice(12);
    } else if (line.startsWith('rename to ')) file.path = line.slice(10);
    else if (line.startsWith('new mode ')) file.mode = line.slice(9);
    else if (line.startsWith('index ') && / 160000$/.test(line)) file.mode = '160000';
    else if (line.startsWith('Binary files ') || line === 'GIT binary patch') file.binary = true;
    else if (line.startsWith('--- ')) {
      if (line !== '--- /dev/null') file.oldPath = strip(line.slice(4));
    } else if (line.startsWith('+++ ')) {
      if (line !== '+++ /dev/null') file.path = strip(line.slice(4));
    } else if (line.startsWith('@@')) {
      const m = /\+(\d+)/.exec(line);
      newLine = m ? Number(m[1]) : 0;
    } else if (line.startsWith('+')) file.added.push({ line: newLine++, text: line.slice(1) });
    else if (line.startsWith('-')) file.removed.push(line.slice(1));
    else if (line.startsWith(' ')) newLine++;
  }
  for (const f of files) if (f.status === 'deleted' && f.oldPath) f.path = f.oldPath;
  return files;
}
