// The one place a job gets its identity. ContainerPilot ran two jobs of the same name (templated
// configs produce them), so a name does not address a job: the first job of a name is addressed
// by it, each later one by `name#N`, N the smallest number from 2 that no job is called already.

/** Each job's identity, in config order, from the names as written. */
export function jobIdentities(writtenNames: readonly string[]): string[] {
  const taken = new Set(writtenNames);
  const firstSeen = new Set<string>();
  return writtenNames.map((name) => {
    if (!firstSeen.has(name)) {
      firstSeen.add(name);
      return name;
    }
    let number = 2;
    while (taken.has(`${name}#${number}`)) number++;
    const identity = `${name}#${number}`;
    taken.add(identity);
    return identity;
  });
}
