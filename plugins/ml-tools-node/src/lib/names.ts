/**
 * A DNS-1123 label: lower-case alphanumerics and '-', starting and ending with an
 * alphanumeric. Length is checked separately so messages can name the limit.
 *
 * @public
 */
export const dnsLabelRegex = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Explains why a value is not a DNS-1123 label of at most `maxLength` characters, or
 * returns undefined when it is one.
 *
 * @public
 */
export function explainDnsLabel(
  value: string,
  maxLength = 63,
): string | undefined {
  if (value.length === 0) return 'must not be empty';
  if (value.length > maxLength) {
    return `must be at most ${maxLength} characters (got ${value.length})`;
  }
  if (/[A-Z]/.test(value)) return 'must be lower case';
  if (!dnsLabelRegex.test(value)) {
    return "must be a DNS-1123 label: a-z, 0-9 and '-', starting and ending with a letter or digit";
  }
  return undefined;
}
