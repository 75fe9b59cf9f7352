export * from './lib/account.model';
