/** gateway: owns each venue account: orders, rate budget, reconciliation, polling (production.ts). Health on 8086. */
import { runMain } from '@keel/runtime';
import { gatewayMain } from './production';

void runMain(gatewayMain).then((code) => (process.exitCode = code));
