export {
  checkDiff,
  describeFindings,
  type CheckDiffOptions,
  type GuardrailFinding,
  type GuardrailReport,
} from './diff.ts';
export { checkCommand, COMMAND_RULES, type CommandVerdict } from './commands.ts';
export { pathDenied } from './paths.ts';
export { parseDiff, type DiffFile } from './parse.ts';
