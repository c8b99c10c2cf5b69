/** Bytes in binary units (`12.5 MiB`), for registry errors, audit reasons and the console. Pure. */
export function formatBytes(bytes: bigint | number): string {
  const n = Number(bytes);
  if (n < 0) return "unlimited";
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}
