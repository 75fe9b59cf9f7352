export * from './lib/venue.port';
