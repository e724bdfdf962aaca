/** A tag's value by key; IAM treats tag keys that differ only in case as the same key. */
export function tagValue(tags: Readonly<Record<string, string>>, key: string): string | undefined {
  const wanted = key.toLowerCase();
  const found = Object.keys(tags).find((candidate) => candidate.toLowerCase() === wanted);
  return found === undefined ? undefined : tags[found];
}
