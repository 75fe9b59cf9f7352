/**
 * The message of something thrown. Duck-typed rather than `instanceof Error`: errors from
 * Node's core modules come from another realm under Jest's VM and fail that test.
 */
export const errorText = (e: unknown): string =>
  typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string'
    ? (e as { message: string }).message
    : String(e);
