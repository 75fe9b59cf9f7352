/** cme-rollover: keeps CME futures exposure in the right contract month (production.ts). Health on 8084. */
import { runMain } from '@keel/runtime';
import { rolloverMain } from './production';

void runMain(rolloverMain).then((code) => (process.exitCode = code));
