/**
 * The real file system for script-security.ts (enable_script_security): lstat, stat and realpath
 * that answer undefined instead of throwing. The rules themselves stay pure over SecurityFs.
 */
import * as fs from 'node:fs';
import type { SecurityFs, StatInfo } from './script-security.js';

function toStat(s: fs.Stats): StatInfo {
  return { uid: s.uid, gid: s.gid, mode: s.mode, dev: s.dev, ino: s.ino };
}

/** The real file system for script-security.ts. */
export const nodeSecurityFs: SecurityFs = {
  lstat: (p) => {
    try {
      return toStat(fs.lstatSync(p));
    } catch {
      return undefined;
    }
  },
  stat: (p) => {
    try {
      return toStat(fs.statSync(p));
    } catch {
      return undefined;
    }
  },
  realpath: (p) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return undefined;
    }
  },
};
