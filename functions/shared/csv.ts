/**
 * One CSV field as RFC 4180 writes it: quoted, with quotes doubled, only when it holds a
 * comma, a quote or a line break (IAM session names and customer names may).
 */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
