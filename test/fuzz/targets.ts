/** Every fuzz target, for the test and for bench/fuzz.ts. */
import type { FuzzTarget } from './harness.js';
import { configTarget } from './targets-config.js';
import { httpTarget } from './targets-http.js';
import { proxyTarget } from './targets-proxy.js';
import { ahTarget, decodeTarget } from './targets-vrrp.js';

/** A target of any input type; the harness only passes each its own inputs. */
const erase = <T>(t: FuzzTarget<T>): FuzzTarget<unknown> => t as unknown as FuzzTarget<unknown>;

export const TARGETS: ReadonlyArray<FuzzTarget<unknown>> = [erase(decodeTarget), erase(ahTarget), erase(proxyTarget), erase(httpTarget), erase(configTarget)];
