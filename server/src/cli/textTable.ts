/**
 * Terminal tables for the CLI (`device list`, `device availability`, `config check`): a header
 * row over the rows, columns padded to their widest cell, two spaces apart; the last column is
 * not padded, so a long last cell does not leave trailing spaces.
 */
export function textTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => row[column].length)));
  return all.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join("  ").trimEnd()).join("\n");
}
