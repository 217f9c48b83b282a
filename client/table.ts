import stringWidth from 'string-width';

/** Prints rows as aligned columns; Chinese characters count as two columns. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(stringWidth(h), ...rows.map((r) => stringWidth(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells.map((c, i) => c + ' '.repeat(widths[i] - stringWidth(c))).join('  ').trimEnd();
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}
