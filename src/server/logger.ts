/** pino JSON logger for serve, with the secrets it could ever see redacted at the source. */
import { type DestinationStream, type Logger, pino } from 'pino';

/**
 * Creates the serve logger. Authorization/Cookie headers are censored wherever they appear;
 * URLs are redacted by the callers (redactUrl) before they are logged.
 */
export function createServeLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { pid: process.pid },
    redact: {
      paths: [
        'authorization',
        'headers.authorization',
        'req.headers.authorization',
        'headers.cookie',
        'req.headers.cookie',
      ],
      censor: '[REDACTED]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
