/** execution: moves each account to its target with a maker-first TWAP (production.ts). Health on 8083. */
import { runMain } from '@keel/runtime';
import { executionMain } from './production';

void runMain(executionMain).then((code) => (process.exitCode = code));
