export * from './recorded-event';
