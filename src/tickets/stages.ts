/**
 * The stage clock of one ticket run: which stage it is in, how long each took (accumulated, since
 * the loop goes coding → verifying → coding), and a timeout per stage that aborts the run.
 */
import type { Config } from '../config/schema.ts';
import { CodedError, ErrorCode } from '../core/errors.ts';
import type { Stage, Timings } from '../core/ticket.ts';

type TimedStage = 'preparing' | 'coding' | 'verifying' | 'reviewing' | 'publishing';
const TIMED = new Set<Stage>(['preparing', 'coding', 'verifying', 'reviewing', 'publishing']);

export class StageClock {
  stage: Stage = 'queued';
  readonly timings: Timings;
  private startedAt = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private readonly limits: Config['stageTimeouts'];
  private readonly onTimeout: (error: CodedError) => void;

  constructor(limits: Config['stageTimeouts'], timings: Timings, onTimeout: (error: CodedError) => void) {
    this.limits = limits;
    this.timings = { ...timings };
    this.onTimeout = onTimeout;
  }

  /** Closes the current stage's timing and starts `next` with its timeout. */
  enter(next: Stage): void {
    this.close();
    this.stage = next;
    this.startedAt = performance.now();
    if (!TIMED.has(next)) return;
    const limit = this.limits[`${next as TimedStage}Ms`];
    if (limit > 0) {
      this.timer = setTimeout(
        () =>
          this.onTimeout(
            new CodedError(
              ErrorCode.StageTimeout,
              `the ${next} stage took longer than ${Math.round(limit / 1000)} s`,
              {
                hint: `raise stageTimeouts.${next}Ms in loopwright.config.json if this is expected`,
              },
            ),
          ),
        limit,
      );
      this.timer.unref();
    }
  }

  /** Adds the elapsed time of the current stage to its timing. */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (TIMED.has(this.stage)) {
      const key = `${this.stage as TimedStage}Ms` as const;
      this.timings[key] = (this.timings[key] ?? 0) + Math.round(performance.now() - this.startedAt);
    }
    this.startedAt = performance.now();
  }
}
