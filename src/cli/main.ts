/**
 * `loopwright` — the command line (DESIGN.md §4). Parses the command, loads config once, dispatches.
 * Commands that print results keep the log quiet, so `--json` output stays the last line of stdout.
 */
import { enableCompileCache } from 'node:module';
import { parseArgs } from 'node:util';
import { pinBrowsersPath } from '../browser/browsers-path.ts';

// Every command loads a few hundred modules; V8's on-disk code cache (in the OS temp dir) makes the
// next start of the CLI about a tenth cheaper. Node skips it when NODE_DISABLE_COMPILE_CACHE is set.
enableCompileCache();

// Before anything loads Playwright, which reads its browsers path once (see browsers-path.ts).
pinBrowsersPath();

const USAGE = `Usage: loopwright <command> [options]

  start [--no-worker]        web server (queue page, API, Slack events) + worker(s)
  worker                     worker only (scale-out next to a shared Postgres)
  submit "<request>" [--target NAME] [--wait] [--json] [--id KEY]
                             queue a ticket (as a Slack message would)
  run "<request>" [--target NAME] [--json]
                             run one ticket end to end in this process, no server
  demo [--json] [--serve]    the whole loop on the bundled Datadesk app, embedded defaults
  doctor [--fix]             check Chromium, ffmpeg, git, bwrap, database, model, Slack, GitHub
  status [--target NAME] [--json]
                             tickets, newest first (of one target)
  owners <path>... [--json]  who owns each path and which review rules apply (base branch)
  eval validate|run|report|compare|reviewer
                             the private eval suite (loopwright eval --help)

Environment: LOOPWRIGHT_HOME, DATABASE_URL, OPENAI_API_KEY, OPENAI_BASE_URL, GITHUB_TOKEN, … (README)`;

const OPTIONS = {
  'no-worker': { type: 'boolean' },
  target: { type: 'string' },
  wait: { type: 'boolean' },
  json: { type: 'boolean' },
  id: { type: 'string' },
  fix: { type: 'boolean' },
  serve: { type: 'boolean' },
  quiet: { type: 'boolean' },
  suite: { type: 'string' },
  tasks: { type: 'string' },
  models: { type: 'string' },
  trials: { type: 'string' },
  concurrency: { type: 'string' },
  html: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    console.error(`loopwright: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  if (!command || parsed.values.help) {
    console.log(USAGE);
    return command || parsed.values.help ? 0 : 2;
  }
  const quiet = ['submit', 'run', 'demo', 'status', 'doctor', 'owners', 'eval'].includes(command);
  process.env.LOOPWRIGHT_LOG_LEVEL ??= quiet ? 'warn' : 'info';
  // Imported after the log level is settled: the logger reads it when first loaded.
  const { runCommand } = await import('./commands.ts');
  return runCommand(command, rest, parsed.values);
}

process.exitCode = await main(process.argv.slice(2));
