export * from './lib/twap.schedule';
export * from './lib/parent-order.state';
export * from './lib/child-order.policy';
export * from './lib/parent-order.decide';
export * from './lib/execution.quality';
export * from './lib/execution.view';
export * from './lib/execution.aggregate';
export * from './lib/execution.reconcile';
