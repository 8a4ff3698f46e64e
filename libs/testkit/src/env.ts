/**
 * The only place the test kit reads the environment: the PATH that private
 * service processes inherit (they get nothing else from ours).
 */
export function servicePath(): string {
  return process.env.PATH ?? "/usr/bin:/bin";
}
