/**
 * Policy for run_command, as data (STYLE.md 6). The sandbox is the real boundary (no credentials,
 * no network, read-only system); these rules are the decision layer above it: they deny what a
 * ticket never needs and tell the model why, because nobody is watching to approve anything.
 */

export interface CommandRule {
  id: string;
  re: RegExp;
  reason: string;
}

export const COMMAND_RULES: CommandRule[] = [
  {
    id: 'git-publish',
    re: /\bgit\b[^|;&]*\b(?:push|remote\s+(?:add|set-url)|send-email|credential)\b/,
    reason: 'publishing is done by Loopwright after review; commit nothing and push nothing',
  },
  {
    id: 'git-history',
    re: /\bgit\b[^|;&]*\b(?:commit|reset\s+--hard|rebase|checkout\s+-B|branch\s+-[dD]|stash|config\b)/,
    reason: 'leave git state alone; Loopwright diffs and commits the worktree itself',
  },
  {
    id: 'privilege',
    re: /(?:^|[\s;&|(])(?:sudo|su|doas|chroot|nsenter|unshare|mount)\b/,
    reason: 'no privilege changes in the sandbox',
  },
  {
    id: 'fork-bomb',
    // `:(){ :|:& };:` and its named forms `f() { f | f & }`, plus `fork while` loops.
    re: /([\w:]+)\s*\(\s*\)\s*\{[^}]*\1\s*\|\s*\1\s*&|\bfork\s*(?:\(\s*\))?\s*while\b|\bwhile\s+(?:true|:|1)\s*;\s*do\s+[^;]*&\s*done/,
    reason: 'that is a fork bomb',
  },
  {
    id: 'destroy',
    re: /\brm\s+-[a-z]*r[a-z]*f?\s+(?:\/|~|\$HOME|\*)(?:\s|$)|\bmkfs\b|\bdd\s+[^|;&]*of=\/dev\//,
    reason: 'destructive command outside the worktree',
  },
  {
    id: 'environment',
    re: /(?:^|[\s;&|(])(?:printenv|env|export\s+-p|set)\s*(?:$|[;&|>])|\/proc\/[^\s]*\/environ|\bprocess\.env\b|os\.environ/,
    reason: 'the environment holds nothing for a ticket; it is empty by design',
  },
  {
    id: 'secrets-paths',
    re: /(?:\/root\b|~\/\.ssh|\.ssh\/|\/etc\/shadow|\/etc\/sudoers|\.aws\/credentials|\.docker\/config\.json|\.kube\/config|\.netrc|\.npmrc\b|\.git-credentials)/,
    reason: 'credential locations are off limits',
  },
  {
    id: 'reverse-shell',
    re: /\b(?:nc|ncat|netcat|socat|telnet)\b|\/dev\/tcp\//,
    reason: 'raw network tools are not available to tickets',
  },
  {
    id: 'remote-login',
    re: /(?:^|[\s;&|(])(?:ssh|scp|sftp|rsync\s+[^|;&]*:)\b/,
    reason: 'no remote logins from the sandbox',
  },
];

/** Network clients whose URL arguments are checked against the allowed hosts. */
const NETWORK_CLIENT = /(?:^|[\s;&|(])(?:curl|wget|http|https|xh|aria2c|fetch)\b/;
const URL_RE = /\b(?:https?|ftp):\/\/([^/\s:'"]+)(?::(\d+))?/gi;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]', '0.0.0.0']);

export interface CommandVerdict {
  allowed: boolean;
  rule?: string;
  reason?: string;
}

export interface CommandPolicyOptions {
  /** Hosts (host or host:port) the target's `.loopwright.yml` allows. */
  allowedHosts?: string[];
  /** Absolute paths no command may mention (the Loopwright home: database, evidence of other tickets). */
  deniedPaths?: string[];
}

export function checkCommand(command: string, opts: CommandPolicyOptions = {}): CommandVerdict {
  for (const rule of COMMAND_RULES) {
    if (rule.re.test(command)) return { allowed: false, rule: rule.id, reason: rule.reason };
  }
  for (const denied of opts.deniedPaths ?? []) {
    if (denied && command.includes(denied))
      return {
        allowed: false,
        rule: 'loopwright-data',
        reason: "Loopwright's own data (database, other tickets' evidence) is off limits",
      };
  }
  const allowed = new Set((opts.allowedHosts ?? []).map((h) => h.toLowerCase()));
  for (const m of command.matchAll(URL_RE)) {
    const host = m[1]!.toLowerCase();
    const hostPort = m[2] ? `${host}:${m[2]}` : host;
    if (LOOPBACK.has(host) || allowed.has(host) || allowed.has(hostPort)) continue;
    return {
      allowed: false,
      rule: 'network',
      reason: `${host} is not in the sandbox's allowed hosts; only the app on loopback is reachable`,
    };
  }
  if (
    NETWORK_CLIENT.test(command) &&
    /\s(?!-)[\w.-]+\.[a-z]{2,}(?:[/:\s]|$)/i.test(command.replace(URL_RE, ''))
  ) {
    // `curl example.com` without a scheme.
    const bare = /(?:curl|wget)\s+(?:-\S+\s+)*([\w.-]+\.[a-z]{2,})/i.exec(command);
    if (bare && !LOOPBACK.has(bare[1]!.toLowerCase()) && !allowed.has(bare[1]!.toLowerCase())) {
      return {
        allowed: false,
        rule: 'network',
        reason: `${bare[1]} is not in the sandbox's allowed hosts; only the app on loopback is reachable`,
      };
    }
  }
  return { allowed: true };
}
