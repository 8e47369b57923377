// Nothing the control plane answers may carry a secret: values under keys that name one, and
// every environment value, are replaced wherever they appear in a component's status.

export const REDACTED = '<redacted>';

const SECRET_KEY = /token|secret|password|passwd|credential|authorization|api[-_]?key|private[-_]?key/i;
const ENVIRONMENT_KEY = /^(env|environ|environment)$/i;

export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => {
      if (SECRET_KEY.test(key)) return [key, REDACTED];
      if (ENVIRONMENT_KEY.test(key)) return [key, redactValues(item)];
      return [key, redactSecrets(item)];
    }),
  );
}

/** An environment map keeps its names (useful) and loses its values. */
function redactValues(environment: unknown): unknown {
  if (typeof environment !== 'object' || environment === null || Array.isArray(environment)) return REDACTED;
  return Object.fromEntries(Object.keys(environment).map((name) => [name, REDACTED]));
}
