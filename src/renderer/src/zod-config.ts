/**
 * The renderer's first import. zod 4 probes `new Function` once (to compile fast object parsers)
 * when the first object schema is built; under the app's CSP (no 'unsafe-eval') the probe fails
 * harmlessly but the browser still reports a CSP violation. `jitless` skips the probe; parsing
 * stays the same, only without generated code.
 */
import { z } from 'zod';

z.config({ jitless: true });
