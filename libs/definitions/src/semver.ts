/**
 * Semantic-version precedence (semver.org 2.0.0, section 11): major, minor, patch numerically; a
 * pre-release sorts before its release; pre-release identifiers compare numerically when both are
 * numeric, otherwise as ASCII, numeric before alphanumeric; build metadata is ignored.
 * Returns a negative number, 0, or a positive number. Expects versions already checked by the schema.
 */
export function compareSemver(a: string, b: string): number {
  const [coreA, preA] = split(a);
  const [coreB, preB] = split(b);
  for (let i = 0; i < 3; i += 1) {
    const diff = (coreA[i] ?? 0) - (coreB[i] ?? 0);
    if (diff !== 0) return diff;
  }
  if (preA.length === 0 || preB.length === 0) return preB.length - preA.length;
  for (let i = 0; i < Math.max(preA.length, preB.length); i += 1) {
    const x = preA[i];
    const y = preB[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const diff = compareIdentifier(x, y);
    if (diff !== 0) return diff;
  }
  return 0;
}

function split(version: string): [number[], string[]] {
  const withoutBuild = version.split('+', 1)[0] as string;
  const dash = withoutBuild.indexOf('-');
  const core = dash === -1 ? withoutBuild : withoutBuild.slice(0, dash);
  const pre = dash === -1 ? [] : withoutBuild.slice(dash + 1).split('.');
  return [core.split('.').map(Number), pre];
}

function compareIdentifier(x: string, y: string): number {
  const xNum = /^\d+$/.test(x);
  const yNum = /^\d+$/.test(y);
  if (xNum && yNum) return Number(x) - Number(y);
  if (xNum !== yNum) return xNum ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}
