// A JSON merge patch (RFC 7386) that makes its target equal to a desired value. A merge patch
// merges nested objects, so a key it leaves out survives: to remove one, the patch names it with
// null. Which keys the target has is known only from the versions of it seen last, so every key
// any of them has and the desired value lacks, at any depth of nested objects, is nulled (nulling
// a key already gone changes nothing). Arrays and scalars are replaced whole and need no more.

/** `desired`, with a null for each key of `earlier` (versions of the target) that it lacks. */
export function replacingPatch(desired: unknown, earlier: readonly unknown[]): unknown {
  if (!isObject(desired)) return desired;
  const before = earlier.filter(isObject);
  const patch: Record<string, unknown> = {};
  for (const key of before.flatMap((object) => Object.keys(object))) patch[key] = null;
  for (const [key, value] of Object.entries(desired)) {
    // An undefined value is left out of the JSON, so it is absent and must be removed.
    if (value !== undefined) patch[key] = replacingPatch(value, before.map((object) => object[key]));
  }
  return patch;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
