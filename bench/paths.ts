/** Where the benchmark finds the repository and writes its results. */
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..');
export const BENCH_DIR = __dirname;
export const RESULTS_FILE = join(BENCH_DIR, 'results.json');
