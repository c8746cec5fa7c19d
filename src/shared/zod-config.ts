/**
 * The first import of every bundle that runs under the app's page CSP (the renderer, the preload).
 * zod 4 probes `new Function` once (to compile fast object parsers) when the first object schema
 * is built; under the CSP (no 'unsafe-eval') the probe fails harmlessly but the browser still
 * reports a CSP violation. `jitless` skips the probe; parsing stays the same, only without
 * generated code.
 */
import { z } from 'zod';

z.config({ jitless: true });
