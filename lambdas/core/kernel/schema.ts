/**
 * The schema library of everything that runs in a function: zod's tree-shakable functional API (`zod/mini`, the same
 * zod package and core as the config's full zod), with zod's English messages. Classic zod is ≈ 95 KB of every
 * bundle and costs its evaluation at each cold start; `zod/mini` carries only the schemas and checks used. The config
 * code (lib/) keeps full zod and builds on these schemas as they are: both share zod's core, so one schema serves both.
 *
 * Import it as `import * as z from '…/kernel/schema'`, never `zod` or `zod/mini` directly (the lint holds to it):
 * `zod/mini` alone answers every issue with "Invalid input", and the field and reason a refusal names come from the
 * locale set here.
 */
import { config } from 'zod/mini';
import { en } from 'zod/locales';

config(en());

export * from 'zod/mini';
