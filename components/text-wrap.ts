/** `text` in lines of at most `width` characters, broken at spaces where it can, inside a word where it must. */
export function wrapText(text: string, width: number): string[] {
  if (width <= 0) return [];
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/ +/)) {
      let rest = [...word];
      if (line !== '' && [...line].length + 1 + rest.length <= width) {
        line += ` ${word}`;
        continue;
      }
      if (line !== '') lines.push(line);
      while (rest.length > width) {
        lines.push(rest.slice(0, width).join(''));
        rest = rest.slice(width);
      }
      line = rest.join('');
    }
    lines.push(line);
  }
  return lines;
}
