/**
 * Problems found while reading a configuration.
 *
 * Keepalived keeps loading after most configuration problems and reports each one with the file
 * and line it came from; we do the same, collecting every problem so that `-t` can show them all
 * at once. Only failures that make the whole file unreadable raise a ConfigError.
 */

export interface SourcePos {
  readonly file: string;
  readonly line: number;
}

/**
 * error and warning: what Keepalived 2.2.7 itself reports (either makes `-t` exit 5); note: what
 * it does not (newer Keepalived versions' deprecations, keepalived-ts's own advice), shown but
 * never counted.
 */
export type Severity = 'error' | 'warning' | 'note';

export interface Diagnostic {
  readonly severity: Severity;
  readonly message: string;
  /** Absent for problems that belong to no line (a missing main file, a cross-section check). */
  readonly pos?: SourcePos;
  /**
   * A configuration file that is not there: with -e (--all-config) `-t` exits 6 for these, and
   * when the include asks for the check (counted: an error) Keepalived 2.2.7 refuses to start.
   */
  readonly missingFile?: true;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.pos ? `${d.pos.file}:${d.pos.line}: ` : '';
  // Many of Keepalived's own warnings already say so ("WARNING - interface ...").
  // A missing file is said in Keepalived's own words, counted or not.
  const tag = d.missingFile ? '' : d.severity === 'note' ? 'note: ' : d.severity === 'warning' && !/^warning\b/i.test(d.message) ? 'warning: ' : '';
  return `${where}${tag}${d.message}`;
}

/** What Keepalived 2.2.7 would report too: errors and warnings, not notes. */
export function counts(d: Diagnostic): boolean {
  return d.severity !== 'note';
}

/**
 * Messages quote the line they are about, and a line may be the expansion of parameters or
 * loops (up to 1 MB): a message keeps its first MESSAGE_MAX characters, so that a small file
 * cannot make -t print megabytes (bench/fuzz stopped on 1.3 MB of diagnostics from 811 bytes).
 */
export const MESSAGE_MAX = 1000;

function bounded(message: string): string {
  return message.length <= MESSAGE_MAX ? message : `${message.slice(0, MESSAGE_MAX)}... (${message.length - MESSAGE_MAX} more characters)`;
}

export class Diagnostics {
  readonly list: Diagnostic[] = [];

  error(pos: SourcePos | undefined, message: string, kind?: 'file'): void {
    this.list.push({ severity: 'error', message: bounded(message), ...(pos ? { pos } : {}), ...(kind ? { kind } : {}) });
  }

  warn(pos: SourcePos | undefined, message: string): void {
    this.list.push(pos ? { severity: 'warning', message: bounded(message), pos } : { severity: 'warning', message: bounded(message) });
  }

  /**
   * An include that finds no file. Keepalived 2.2.7 prints it but counts it only when the include
   * asks for the check (includem, -e ...): otherwise it is a note here.
   */
  missingFile(pos: SourcePos | undefined, message: string, counted: boolean): void {
    const severity: Severity = counted ? 'error' : 'note';
    this.list.push(pos ? { severity, message: bounded(message), pos, missingFile: true } : { severity, message: bounded(message), missingFile: true });
  }

  note(pos: SourcePos | undefined, message: string): void {
    this.list.push(pos ? { severity: 'note', message: bounded(message), pos } : { severity: 'note', message: bounded(message) });
  }

  get errorCount(): number {
    return this.list.filter((d) => d.severity === 'error').length;
  }
}

/** Stable codes, in the manner of undici's error classes. */
export type ConfigErrorCode = 'ERR_CONFIG_NOT_FOUND' | 'ERR_CONFIG_UNREADABLE' | 'ERR_CONFIG_INVALID';

/** The only exception the configuration front end throws. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly code: ConfigErrorCode,
    message: string,
    readonly diagnostics: readonly Diagnostic[] = [],
  ) {
    super(message);
  }
}

/** Keepalived's had_config_file_error(): a required configuration file is missing. */
export function hadConfigFileError(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.missingFile === true && d.severity === 'error');
}
