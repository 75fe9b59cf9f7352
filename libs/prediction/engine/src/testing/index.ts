export * from './intake.fixtures';
