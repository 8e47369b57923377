// Go's notion of white space, shared by the template functions and ContainerPilot's exec splitting.

/** Go's strings.TrimSpace (unicode.IsSpace), which differs from String.prototype.trim (U+0085 yes, U+FEFF no). */
export function goTrimSpace(s: string): string {
  return s.replace(/^[\t\n\v\f\r \u0085\u00a0\p{Z}]+|[\t\n\v\f\r \u0085\u00a0\p{Z}]+$/gu, '');
}
