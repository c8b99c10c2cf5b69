/**
 * Debian version ordering, as dpkg implements it (lib/dpkg/version.c: parseversion + verrevcmp).
 * No maintained npm package implements dpkg ordering, and the algorithm is short and fully
 * specified in deb-version(7); the tests check it against the real `dpkg --compare-versions`.
 */

export interface DpkgVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

const EPOCH_PATTERN = /^(\d+):/;

export function parseDpkgVersion(text: string): DpkgVersion | null {
  const trimmed = text.trim();
  if (trimmed === "" || /\s/.test(trimmed)) return null;
  let rest = trimmed;
  let epoch = 0;
  const epochMatch = EPOCH_PATTERN.exec(rest);
  if (epochMatch) {
    epoch = Number(epochMatch[1]);
    rest = rest.slice(epochMatch[0].length);
  } else if (rest.includes(":")) {
    return null;
  }
  // The revision is everything after the LAST hyphen: upstream versions may contain hyphens.
  const hyphen = rest.lastIndexOf("-");
  const upstream = hyphen >= 0 ? rest.slice(0, hyphen) : rest;
  const revision = hyphen >= 0 ? rest.slice(hyphen + 1) : "";
  if (upstream === "" || !/^[0-9]/.test(upstream)) return null;
  if (!/^[A-Za-z0-9.+~:-]+$/.test(upstream) || !/^[A-Za-z0-9.+~]*$/.test(revision)) return null;
  return { epoch, upstream, revision };
}

// dpkg's order() for one non-digit character: '~' sorts before everything, even the end of the
// string; letters before other symbols.
function characterWeight(code: number | undefined): number {
  if (code === undefined) return 0;
  if (code === 0x7e) return -1; // '~'
  if (code >= 0x30 && code <= 0x39) return 0;
  if ((code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)) return code;
  return code + 256;
}

function isDigit(code: number | undefined): boolean {
  return code !== undefined && code >= 0x30 && code <= 0x39;
}

function compareDigitRuns(a: string, b: string): number {
  // Arbitrary length: strip leading zeros, then longer is larger, then lexical.
  const x = a.replace(/^0+/, "");
  const y = b.replace(/^0+/, "");
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    // Non-digit prefix, compared character by character with dpkg's weights.
    while ((i < a.length && !isDigit(a.charCodeAt(i))) || (j < b.length && !isDigit(b.charCodeAt(j)))) {
      const ac = i < a.length && !isDigit(a.charCodeAt(i)) ? a.charCodeAt(i) : undefined;
      const bc = j < b.length && !isDigit(b.charCodeAt(j)) ? b.charCodeAt(j) : undefined;
      const diff = characterWeight(ac) - characterWeight(bc);
      if (diff !== 0) return diff < 0 ? -1 : 1;
      if (ac !== undefined) i++;
      if (bc !== undefined) j++;
    }
    let ai = i;
    while (ai < a.length && isDigit(a.charCodeAt(ai))) ai++;
    let bj = j;
    while (bj < b.length && isDigit(b.charCodeAt(bj))) bj++;
    const cmp = compareDigitRuns(a.slice(i, ai), b.slice(j, bj));
    if (cmp !== 0) return cmp;
    i = ai;
    j = bj;
  }
  return 0;
}

/** -1, 0 or 1; null when either string is not a Debian version. */
export function compareDpkg(a: string, b: string): number | null {
  const x = parseDpkgVersion(a);
  const y = parseDpkgVersion(b);
  if (!x || !y) return null;
  if (x.epoch !== y.epoch) return x.epoch < y.epoch ? -1 : 1;
  const upstream = verrevcmp(x.upstream, y.upstream);
  if (upstream !== 0) return upstream;
  return verrevcmp(x.revision, y.revision);
}
