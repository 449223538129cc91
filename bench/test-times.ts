// Figures from Vitest JSON reports (`vitest run --reporter=json --outputFile.json=FILE`): wall
// time, the slowest files, and how long two end-to-end files ran side by side. With a second
// report, the slowest files of the first are shown next to their time in the second.
//
//   node bench/test-times.ts AFTER.json [BEFORE.json] [--top N]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { HEAVY, lookup } from '../vitest.schedule.ts';

interface Report {
  numPassedTests: number;
  numFailedTests: number;
  testResults: { name: string; startTime: number; endTime: number; status: string }[];
}
interface FileTime {
  file: string;
  start: number;
  end: number;
  seconds: number;
  status: string;
}

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 10;
const [afterPath, beforePath] = args;
if (!afterPath) {
  console.error('usage: node bench/test-times.ts AFTER.json [BEFORE.json] [--top N]');
  process.exit(2);
}
const root = path.resolve(import.meta.dirname, '..');

function load(file: string): { report: Report; files: FileTime[] } {
  const report = JSON.parse(readFileSync(file, 'utf8')) as Report;
  const files = report.testResults.map((r) => ({
    file: path.relative(root, r.name).replace(/^.*?(test\/)/, '$1'),
    start: r.startTime,
    end: r.endTime,
    seconds: (r.endTime - r.startTime) / 1000,
    status: r.status,
  }));
  return { report, files };
}

/** Seconds during which at least two heavy files were running. */
function heavyOverlap(files: FileTime[]): number {
  const edges = files
    .filter((f) => lookup(HEAVY, f.file) !== undefined)
    .flatMap((f) => [
      { t: f.start, d: 1 },
      { t: f.end, d: -1 },
    ])
    .sort((a, b) => a.t - b.t || a.d - b.d);
  let running = 0;
  let since = 0;
  let total = 0;
  for (const e of edges) {
    if (running >= 2) total += e.t - since;
    running += e.d;
    since = e.t;
  }
  return total / 1000;
}

function summary(label: string, { report, files }: ReturnType<typeof load>): void {
  const wall = (Math.max(...files.map((f) => f.end)) - Math.min(...files.map((f) => f.start))) / 1000;
  const busy = files.reduce((s, f) => s + f.seconds, 0);
  console.log(
    `${label}: ${report.numPassedTests} passed, ${report.numFailedTests} failed; wall ${wall.toFixed(0)} s, ` +
      `file-seconds ${busy.toFixed(0)}, two heavy files at once for ${heavyOverlap(files).toFixed(0)} s`,
  );
}

const after = load(afterPath);
const before = beforePath ? load(beforePath) : undefined;
if (before) summary('before', before);
summary(before ? 'after ' : 'run', after);

const ranked = [...(before ?? after).files].sort((a, b) => b.seconds - a.seconds).slice(0, top);
const fmt = (f?: FileTime) =>
  f ? `${f.seconds.toFixed(1).padStart(7)} s${f.status === 'passed' ? ' ' : '!'}` : '        —';
console.log(`\nslowest ${top}${before ? ' (of before)' : ''}:${before ? '      before       after' : ''}`);
for (const f of ranked) {
  const other = before ? after.files.find((a) => a.file === f.file) : undefined;
  console.log(`  ${f.file.padEnd(40)}${fmt(f)}${before ? fmt(other) : ''}`);
}
console.log('  (! = the file did not pass)');
