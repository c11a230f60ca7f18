/** A count with its noun as people write it: `1 symbol`, `2 symbols`, `0 symbols`. */
export function formatCount(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}
