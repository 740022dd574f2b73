/** RFC 3339 with second precision, the timestamp format of object metadata. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
