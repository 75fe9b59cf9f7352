/** optimizer: combines predictions once per symbol and sizes targets per account (production.ts). Health on 8082. */
import { runMain } from '@keel/runtime';
import { optimizerMain } from './production';

void runMain(optimizerMain).then((code) => (process.exitCode = code));
