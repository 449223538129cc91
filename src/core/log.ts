/** One pino logger for the process; components take a child with their own `component` field. */
import { pino, type Logger } from 'pino';

const level = process.env.LOOPWRIGHT_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info');

export const rootLogger: Logger = pino({
  level,
  base: { pid: process.pid },
  redact: {
    paths: ['*.token', '*.apiKey', '*.secret', '*.password', 'headers.authorization'],
    censor: '[redacted]',
  },
});

export const logger = (component: string): Logger => rootLogger.child({ component });
export type { Logger };
