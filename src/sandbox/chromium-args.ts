/**
 * Chromium's command-line flags, shared by the browser module (which launches it directly) and the
 * sandbox (which launches it inside bwrap). Lives here because the sandbox may not import the
 * browser module; the browser module re-exports it.
 */

/**
 * Flags for a headless Chromium on a worker: no GPU, no background traffic to Google, no first-run
 * UI, and /tmp instead of a small /dev/shm. `--no-sandbox` only as root, where Chromium's own
 * sandbox refuses to start (the outer sandbox — bwrap or a container — still isolates it).
 */
export function standardChromiumArgs(opts: { root?: boolean } = {}): string[] {
  const root = opts.root ?? process.getuid?.() === 0;
  return [
    ...(root ? ['--no-sandbox'] : []),
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    '--disable-sync',
    '--disable-dev-shm-usage',
  ];
}
