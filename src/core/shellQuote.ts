/** `word` as one word for a POSIX shell, whatever it holds (single-quoted, each `'` written as `'\''`). */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}
