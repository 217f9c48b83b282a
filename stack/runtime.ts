import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

/**
 * Installs the Temporal runtime once per process, before any worker starts: a quieter logger, and
 * no signal handlers of its own — our processes stop their workers and services themselves.
 */
export function installRuntime(level: LogLevel = (process.env.TEMPORAL_LOG_LEVEL as LogLevel) ?? 'WARN'): void {
  try {
    Runtime.install({
      logger: new DefaultLogger(level),
      telemetryOptions: { logging: { filter: { core: level, other: level } } },
      shutdownSignals: [],
    });
  } catch {
    // Already installed in this process.
  }
}
