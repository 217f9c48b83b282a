// The task's one timer: armed for its next wake time and kept while that time stays the same, so an
// update that changes nothing the clock waits for (a report, a 签收 after its deadline) costs no
// timer of its own. Before ONE_TIMER_PER_WAKE every turn of the loop waited with a timeout, which
// started a new timer and cancelled the last: two commands and two history events per update.
import { CancellationScope, isCancellation, sleep } from '@temporalio/workflow';

export class WakeTimer {
  private at?: number;
  private scope?: CancellationScope;
  /** The armed time has come (until the timer is armed again). */
  fired = false;

  /** Waits for `at` (epoch ms); a timer already armed for that instant is kept. */
  arm(at: number): void {
    if (this.scope && this.at === at) return;
    this.disarm();
    const scope = new CancellationScope();
    this.scope = scope;
    this.at = at;
    scope
      .run(() => sleep(Math.max(at - Date.now(), 1)))
      .then(
        () => {
          if (this.scope === scope) this.fired = true;
        },
        (error: unknown) => {
          if (!isCancellation(error)) throw error;
        },
      );
  }

  /** Cancels the armed timer, if any. */
  disarm(): void {
    this.scope?.cancel();
    this.scope = undefined;
    this.at = undefined;
    this.fired = false;
  }
}
