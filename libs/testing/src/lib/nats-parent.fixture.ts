/**
 * A stand-in for a tool that owns a nats-server (`keel start`): starts one in its own process
 * group, tied to this process, with its store in argv[2], prints `nats <pid> <port>`, and waits to be killed. The spec
 * SIGKILLs it and checks the server did not outlive it.
 */
import { startNatsServer } from './nats-server';

const storeDir = process.argv[2];
void startNatsServer({ ownProcessGroup: true, dieWithParent: true, ...(storeDir ? { storeDir } : {}) }).then(
  (server) => {
    process.stdout.write(`nats ${server.pid()} ${server.port}\n`);
    setInterval(() => undefined, 1000);
  },
);
