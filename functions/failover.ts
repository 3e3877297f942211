// Placeholder so that `serverless package` has an entry point; the real handler replaces this file.
export const handler = async (): Promise<{ placeholder: true }> => ({ placeholder: true });
