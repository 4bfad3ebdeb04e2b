/**
 * What the daemon is told to do at start (keepalived(8)'s options, one field per flag). The
 * command line (cli/args.ts) builds it; the daemon (daemon/parent.ts and the two children) only
 * reads it, so the daemon never imports the command line.
 */

export interface Options {
  useFile: string;
  configTest: boolean;
  /** -t=FILE writes the config-test report there instead of stderr. */
  configTestLog?: string;
  configId?: string;
  /** -e / --all-config: any missing configuration file is an error. */
  allConfig?: boolean;
  dontFork: boolean;
  logConsole: boolean;
  logDetail: boolean;
  logFacility?: number;
  vrrpOnly: boolean;
  checkOnly: boolean;
  pidFile?: string;
  vrrpPidFile?: string;
  checkersPidFile?: string;
  releaseVips: boolean;
  dontReleaseVrrp: boolean;
  dontReleaseIpvs: boolean;
  dumpConf: boolean;
  version: boolean;
  help: boolean;
  signum?: string;
}
