/**
 * Log lines a human can read at 3 a.m.: one line per event, Keepalived's wording for state changes
 * ("(VI_1) Entering MASTER STATE"), the reason after it. The sink is the console (-l) or syslog.
 */

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Only with -D (log detail). */
  detail(message: string): void;
}

export interface ConsoleLoggerOptions {
  readonly detail: boolean;
  readonly write?: (line: string) => void;
  /** Keepalived -l prints a timestamp before each line. */
  readonly timestamps?: boolean;
}

export function consoleLogger(opts: ConsoleLoggerOptions): Logger {
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const stamp = () => (opts.timestamps === false ? '' : `${new Date().toString().slice(0, 24)}: `);
  return {
    info: (m) => write(stamp() + m),
    warn: (m) => write(stamp() + m),
    error: (m) => write(stamp() + m),
    detail: (m) => {
      if (opts.detail) write(stamp() + m);
    },
  };
}

/** Collects lines, for tests. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m), detail: (m) => lines.push(m) };
}

/** Every line to each sink: Keepalived writes the console (-l -n) and syslog (unless -G) both. No sink: silence. */
export function teeLogger(sinks: readonly Logger[]): Logger {
  if (sinks.length === 1) return sinks[0]!;
  return {
    info: (m) => sinks.forEach((s) => s.info(m)),
    warn: (m) => sinks.forEach((s) => s.warn(m)),
    error: (m) => sinks.forEach((s) => s.error(m)),
    detail: (m) => sinks.forEach((s) => s.detail(m)),
  };
}
