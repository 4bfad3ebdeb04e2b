/**
 * Log lines a human can read at 3 a.m.: one line per event, Keepalived's wording for state changes
 * ("(VI_1) Entering MASTER STATE"), the reason after it. The sink is the console (-l) or syslog.
 */
import { fstatSync } from 'node:fs';

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
  /** `<N>` priority prefixes for journald (default: when stderr is the journal). */
  readonly journal?: boolean;
}

export function consoleLogger(opts: ConsoleLoggerOptions): Logger {
  const write = opts.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const journal = opts.journal ?? (opts.write === undefined && stderrIsJournal());
  // Under journald each line starts with its sd-daemon(3) priority, so `journalctl -p err` finds
  // the errors; journald stamps the time itself.
  const stamp = () => (opts.timestamps === false || journal ? '' : `${new Date().toString().slice(0, 24)}: `);
  const line = (priority: number) => (m: string) => write(`${journal ? `<${priority}>` : ''}${stamp()}${m}`);
  const detail = line(7);
  return {
    info: line(6),
    warn: line(4),
    error: line(3),
    detail: (m) => {
      if (opts.detail) detail(m);
    },
  };
}

/** systemd sets $JOURNAL_STREAM to stderr's device:inode when stderr is a journal stream. */
export function stderrIsJournal(env: NodeJS.ProcessEnv = process.env): boolean {
  const want = env['JOURNAL_STREAM'];
  if (!want) return false;
  try {
    const st = fstatSync(2);
    return want === `${st.dev}:${st.ino}`;
  } catch {
    return false;
  }
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
