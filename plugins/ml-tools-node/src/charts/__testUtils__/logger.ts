import type { LoggerService } from '@backstage/backend-plugin-api';

/** A logger that keeps what a task log would show, as `level: message` lines. */
export function recordingLogger(): { logger: LoggerService; lines: string[] } {
  const lines: string[] = [];
  const logger: LoggerService = {
    error: m => void lines.push(`error: ${m}`),
    warn: m => void lines.push(`warn: ${m}`),
    info: m => void lines.push(`info: ${m}`),
    debug: m => void lines.push(`debug: ${m}`),
    child: () => logger,
  };
  return { logger, lines };
}
