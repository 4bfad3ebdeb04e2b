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

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  readonly severity: Severity;
  readonly message: string;
  /** Absent for problems that belong to no line (a missing main file, a cross-section check). */
  readonly pos?: SourcePos;
  /**
   * 'file': an included file that include_check (includer/m/w/b/a, or -e) requires is missing or
   * unreadable. Keepalived 2.2.7 then refuses to start (had_config_file_error()).
   */
  readonly kind?: 'file';
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.pos ? `${d.pos.file}:${d.pos.line}: ` : '';
  // Many of Keepalived's own warnings already say so ("WARNING - interface ...").
  const tag = d.severity === 'warning' && !/^warning\b/i.test(d.message) ? 'warning: ' : '';
  return `${where}${tag}${d.message}`;
}

export class Diagnostics {
  readonly list: Diagnostic[] = [];

  error(pos: SourcePos | undefined, message: string, kind?: 'file'): void {
    this.list.push({ severity: 'error', message, ...(pos ? { pos } : {}), ...(kind ? { kind } : {}) });
  }

  warn(pos: SourcePos | undefined, message: string): void {
    this.list.push(pos ? { severity: 'warning', message, pos } : { severity: 'warning', message });
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
  return diagnostics.some((d) => d.kind === 'file');
}
