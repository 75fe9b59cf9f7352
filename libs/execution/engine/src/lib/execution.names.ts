/** The app's name: its consumer, snapshot key and the producer of its events. */
export const EXECUTION_APP = 'execution';
