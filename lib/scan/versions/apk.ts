/**
 * Alpine (apk) version ordering: the Gentoo-derived scheme apk-tools implements (version.c):
 * dot-separated numbers, an optional letter, `_suffix[N]` parts, an optional `~hash`, `-rN`.
 * No maintained npm package implements it; the rules are small and covered by the tests.
 */

const PRE_RELEASE_SUFFIXES = ["alpha", "beta", "pre", "rc"] as const;
const POST_RELEASE_SUFFIXES = ["cvs", "svn", "git", "hg", "p"] as const;

interface ApkSuffix {
  rank: number;
  number: bigint;
}

export interface ApkVersion {
  numbers: string[];
  letter: string;
  suffixes: ApkSuffix[];
  revision: bigint;
}

const APK_PATTERN = /^(\d+(?:\.\d+)*)([a-z]?)((?:_[a-z]+\d*)*)(?:~[0-9a-f]+)?(?:-r(\d+))?$/;

// A suffix's rank relative to "no suffix" (0): pre-releases sort below, post-releases above.
function suffixRank(name: string): number | null {
  const pre = (PRE_RELEASE_SUFFIXES as readonly string[]).indexOf(name);
  if (pre >= 0) return pre - PRE_RELEASE_SUFFIXES.length;
  const post = (POST_RELEASE_SUFFIXES as readonly string[]).indexOf(name);
  if (post >= 0) return post + 1;
  return null;
}

export function parseApkVersion(text: string): ApkVersion | null {
  const match = APK_PATTERN.exec(text.trim());
  if (!match) return null;
  const [, numbers = "", letter = "", suffixText = "", revision] = match;
  const suffixes: ApkSuffix[] = [];
  for (const part of suffixText.split("_").slice(1)) {
    const parsed = /^([a-z]+)(\d*)$/.exec(part);
    if (!parsed) return null;
    const [, name = "", number = ""] = parsed;
    const rank = suffixRank(name);
    if (rank === null) return null;
    suffixes.push({ rank, number: BigInt(number || "0") });
  }
  return {
    numbers: numbers.split("."),
    letter,
    suffixes,
    revision: BigInt(revision ?? "0"),
  };
}

function sign(n: number | bigint): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

function compareComponent(a: string, b: string, first: boolean): number {
  // Gentoo rule: after the first component, a leading zero means a decimal fraction
  // (1.02 < 1.1), compared as strings with trailing zeros dropped.
  if (!first && (a.startsWith("0") || b.startsWith("0"))) {
    const x = a.replace(/0+$/, "");
    const y = b.replace(/0+$/, "");
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return sign(BigInt(a) - BigInt(b));
}

/** -1, 0 or 1; null when either string is not an apk version. */
export function compareApk(a: string, b: string): number | null {
  const x = parseApkVersion(a);
  const y = parseApkVersion(b);
  if (!x || !y) return null;
  const shared = Math.min(x.numbers.length, y.numbers.length);
  for (let i = 0; i < shared; i++) {
    const cmp = compareComponent(x.numbers[i] ?? "0", y.numbers[i] ?? "0", i === 0);
    if (cmp !== 0) return cmp;
  }
  if (x.numbers.length !== y.numbers.length) return x.numbers.length < y.numbers.length ? -1 : 1;
  if (x.letter !== y.letter) return x.letter < y.letter ? -1 : 1;
  const suffixCount = Math.max(x.suffixes.length, y.suffixes.length);
  for (let i = 0; i < suffixCount; i++) {
    const xs = x.suffixes[i] ?? { rank: 0, number: BigInt(0) };
    const ys = y.suffixes[i] ?? { rank: 0, number: BigInt(0) };
    if (xs.rank !== ys.rank) return sign(xs.rank - ys.rank);
    const cmp = sign(xs.number - ys.number);
    if (cmp !== 0) return cmp;
  }
  return sign(x.revision - y.revision);
}
