export * from './lib/haircuts';
