/** FILE_CHECK's watching: the same file reader and watcher VRRP's track_file uses. */
import type { WatchFile } from '../../check/file.js';
import type { Logger } from '../../base/log.js';
import { FileTracker } from '../track/file-tracker.js';

export function trackFileWatcher(log: Logger, reload: boolean): WatchFile {
  return (tf, onValue) => {
    const t = new FileTracker([tf], { log, onChange: (_name, value) => onValue(value) });
    t.start({ reload });
    return { stop: () => t.stop() };
  };
}
