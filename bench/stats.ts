/** Figures the browser benchmarks print: median and spread of a sample. */

export function stats(xs: number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
  return { median, min: s[0] ?? 0, max: s.at(-1) ?? 0 };
}

/** `median 120 ms (min–max 100–180, n=5)` */
export const fmt = (xs: number[], unit = 'ms'): string => {
  const { median, min, max } = stats(xs);
  return `median ${median.toFixed(0)} ${unit} (min–max ${min.toFixed(0)}–${max.toFixed(0)}, n=${xs.length})`;
};
