/**
 * Health checkers (Keepalived's check/ directory, check_api.c): one probe per checker kind behind
 * one interface. A probe makes ONE attempt; the retry / delay_before_retry / delay_loop cycle and
 * the up/down decision are the same for every kind and live in schedule.ts, as check_api.c keeps
 * them apart from check_tcp.c, check_http.c and the rest.
 */

export interface ProbeResult {
  readonly ok: boolean;
  /** Why, in the words Keepalived logs where it has them (e.g. "TCP connection failed"). */
  readonly reason: string;
  /**
   * The weight this checker asks its real server to have: MISC_CHECK with misc_dynamic (exit
   * code 2..255) and FILE_CHECK. null: back to the configured weight. Absent: no opinion.
   */
  readonly weight?: number | null;
  /** What this checker adds to its real server's configured weight (FILE_CHECK). */
  readonly weightDelta?: number;
}

/** One attempt of a timed checker (every kind except FILE_CHECK and BFD_CHECK). */
export interface Probe {
  /**
   * Settles by itself within the checker's own timeout (connect_timeout, misc_timeout) and never
   * rejects: every failure is a result with ok false. When `signal` aborts, the attempt releases
   * every socket, timer and process it holds and settles promptly.
   */
  run(signal: AbortSignal): Promise<ProbeResult>;
}

/** A checker driven by events instead of a timer (FILE_CHECK watches a file). */
export interface Watch {
  /** Reports the current result at once, then every change. */
  start(onResult: (r: ProbeResult) => void): void;
  stop(): void;
}

/** How a checker opens its connection (connect_ip/port, bindto/bind_port, bind_if, fwmark). */
export interface DialOptions {
  readonly host: string;
  readonly port: number;
  readonly localAddress?: string;
  readonly localPort?: number;
  /** SO_BINDTODEVICE. */
  readonly bindIf?: string;
  /** SO_MARK. */
  readonly fwmark?: number;
  /** connect_timeout, for the connection only. */
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

/** A connected stream; the real one is a net.Socket (src/os/dial.ts). */
export interface Stream {
  write(data: Uint8Array | string): boolean;
  on(event: 'data', fn: (chunk: Buffer) => void): this;
  on(event: 'end' | 'close', fn: () => void): this;
  on(event: 'error', fn: (e: Error) => void): this;
  end(): void;
  destroy(): void;
}

/** Resolves with a connected stream; rejects with an Error whose message says why. */
export type Dialer = (o: DialOptions) => Promise<Stream>;
