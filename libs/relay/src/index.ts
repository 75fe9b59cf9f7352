export * from "./lib/relay";
