/**
 * docs/asyncapi.yaml as text, and the currency check CI runs on it: the checked-in file must
 * be exactly what the generator makes from the catalog today.
 */
import { Document } from 'yaml';
import { asyncApiDocument, EventDefinitionsLike } from './asyncapi';

/** Where the document lives, from the workspace root. */
export const ASYNCAPI_PATH = 'docs/asyncapi.yaml';
/** The command that (re)writes it. */
export const ASYNCAPI_COMMAND = 'npm run --silent keel -- contract asyncapi';

const HEADER = [
  ` Generated from the event catalog (libs/events, EVENT_DEFINITIONS) by tools/contract:`,
  ` do not edit by hand. Regenerate with \`${ASYNCAPI_COMMAND}\`;`,
  ` \`${ASYNCAPI_COMMAND} --check\` (and the contract project's tests) fail when it is stale.`,
].join('\n');

/**
 * The YAML text. Block style, no line folding (a long description stays one line, so a
 * change shows as one diff line and Prettier leaves the file as it is), keys in insertion order.
 */
export const renderAsyncApi = (definitions?: EventDefinitionsLike): string => {
  const doc = new Document(asyncApiDocument(definitions));
  doc.commentBefore = HEADER;
  return doc.toString({ lineWidth: 0, singleQuote: true });
};

/** Undefined when the checked-in text is current; otherwise what is wrong and what to run. */
export const asyncApiDrift = (checkedIn: string | undefined, generated: string): string | undefined => {
  if (checkedIn === generated) return undefined;
  const what =
    checkedIn === undefined
      ? `${ASYNCAPI_PATH} does not exist`
      : `${ASYNCAPI_PATH} differs from the event catalog (first at line ${firstDifferentLine(checkedIn, generated)})`;
  return `${what}: run \`${ASYNCAPI_COMMAND}\` and commit the result.`;
};

const firstDifferentLine = (a: string, b: string): number => {
  const x = a.split('\n');
  const y = b.split('\n');
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return i + 1;
};
