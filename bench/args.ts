/** The benches' command-line options, and the environment they run in. */

/** `--NAME N`: a positive number, else `dflt`. */
export function numberArg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  return Number.isFinite(v) && v > 0 ? v : dflt;
}

/**
 * Variables that change node, and only node, from what it is under the systemd unit
 * (packaging/keepalived-ts.service), which starts the daemon with systemd's own small environment.
 * NODE_EXTRA_CA_CERTS makes every node process read and parse that bundle of certificates before
 * any JavaScript runs: on this machine a bare `node -e 0` took 69 ms with it and 25 ms without,
 * and 1.7 MB more RSS (session 11). keepalived-ts verifies no certificate (SSL_GET, as
 * Keepalived's, does not), so the bundle does nothing for it. NODE_OPTIONS would add flags to
 * keepalived-ts's processes and the bare node alone (not set here; nothing measured).
 */
const NODE_ONLY_ENV = ['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS'];

/**
 * Removes NODE_ONLY_ENV from this process's environment, which everything the bench starts
 * inherits (Keepalived, keepalived-ts and the bare node it is compared with alike), unless
 * `--keep-env`; returns a line saying what was removed, for the bench's output.
 */
export function serviceEnvironment(): string {
  const set = NODE_ONLY_ENV.filter((v) => process.env[v] !== undefined);
  if (process.argv.includes('--keep-env')) return `environment: kept as it is (${set.length ? set.join(', ') : 'none of ' + NODE_ONLY_ENV.join(', ')} set)`;
  for (const v of set) delete process.env[v];
  return `environment: ${set.length ? set.join(', ') + ' removed, as' : 'as'} under the systemd unit (--keep-env keeps them)`;
}
