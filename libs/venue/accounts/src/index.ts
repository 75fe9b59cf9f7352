export * from './lib/account.model';
export * from './lib/derive';
export * from './lib/payload.read';
