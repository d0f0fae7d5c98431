/**
 * A connection URL fit for a banner, a log line or `config check`: its password replaced by
 * `mask`. Undefined when the text does not parse as a URL — each caller says that its own way.
 */
export function withoutPassword(text: string, mask: string): string | undefined {
  try {
    const url = new URL(text);
    if (url.password) url.password = mask;
    return url.toString();
  } catch {
    return undefined;
  }
}
