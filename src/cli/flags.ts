/** The command line's flags after parsing (main.ts OPTIONS), as every command gets them. */
export interface Flags {
  'no-worker'?: boolean;
  target?: string;
  wait?: boolean;
  json?: boolean;
  id?: string;
  fix?: boolean;
  serve?: boolean;
  quiet?: boolean;
  suite?: string;
  tasks?: string;
  models?: string;
  trials?: string;
  concurrency?: string;
  html?: string;
}
