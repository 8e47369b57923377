// The CLI's exit codes, as tools such as git and kubectl use them (a bad config exits 2 as well:
// EXIT_CONFIG_INVALID in load.ts). Its own module, so the client verbs and the parser load nothing else for it.

/** Refused by pilotfish, or pilotfish unreachable. */
export const EXIT_REFUSED = 1;
/** A mistake on the command line. */
export const EXIT_USAGE = 2;
