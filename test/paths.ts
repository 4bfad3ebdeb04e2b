/**
 * Where the tests find the repository's fixtures, from the compiled file's place (dist/test/).
 * Everything a test reads lives in the repository: a clone alone passes.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = fileURLToPath(new URL('../../', import.meta.url));
/** The sample configurations Keepalived ships (doc/samples), unchanged. */
export const SAMPLES = path.join(repo, 'test/fixtures/keepalived-samples');
