/**
 * When a server that stopped is started again. vscode-languageclient's own
 * policy restarts at once, four times: a server that cannot start burns every
 * restart within a second and the user sees only "connection got disposed".
 * Here a server that dies soon after it started is not restarted (it would
 * die again; the user is told why, with its stderr), and one that ran a while
 * is restarted after a pause, at most a few times in a few minutes. Pure.
 */

export type RestartDecision =
  | { restart: true; delayMs: number }
  | { restart: false; reason: "died-at-start" | "too-many-restarts" };

export interface RestartLimits {
  /** A server that ran less than this is considered unable to start. */
  minUptimeMs: number;
  /** Most restarts within `windowMs`. */
  maxRestarts: number;
  windowMs: number;
  /** Pause before the first restart; doubled for each restart in the window. */
  firstDelayMs: number;
}

export const DEFAULT_RESTART_LIMITS: RestartLimits = {
  minUptimeMs: 10_000,
  maxRestarts: 3,
  windowMs: 180_000,
  firstDelayMs: 1_000,
};

export class RestartPolicy {
  private startedAt: number | undefined;
  private restarts: number[] = [];

  constructor(
    private readonly limits: RestartLimits = DEFAULT_RESTART_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The server (re)started now. */
  started(): void {
    this.startedAt = this.now();
  }

  /** The user asked for a fresh start: forget earlier restarts. */
  reset(): void {
    this.restarts = [];
    this.startedAt = undefined;
  }

  /** The server's connection closed: start it again, and when. */
  closed(): RestartDecision {
    const now = this.now();
    const uptime = this.startedAt === undefined ? 0 : now - this.startedAt;
    if (uptime < this.limits.minUptimeMs) {
      return { restart: false, reason: "died-at-start" };
    }
    this.restarts = this.restarts.filter((time) => now - time < this.limits.windowMs);
    if (this.restarts.length >= this.limits.maxRestarts) {
      return { restart: false, reason: "too-many-restarts" };
    }
    const delayMs = this.limits.firstDelayMs * 2 ** this.restarts.length;
    this.restarts.push(now);
    return { restart: true, delayMs };
  }
}
