/**
 * A label as Harbor's console shows it: a pill in the label's colour, its name in black or white,
 * whichever reads better on that colour (WCAG relative luminance). No hooks: usable in server and
 * client components alike.
 */
export function labelTextColor(color: string): "#000000" | "#ffffff" {
  const hex = /^#([0-9a-f]{6})$/i.exec(color)?.[1];
  if (!hex) return "#000000";
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
  // Contrast against white (1.05 / (L + 0.05)) beats contrast against black ((L + 0.05) / 0.05) below L ≈ 0.179.
  return luminance > 0.179 ? "#000000" : "#ffffff";
}

export function LabelBadge({ name, color, description, testId }: { name: string; color: string; description?: string; testId?: string }) {
  return (
    <span
      className="inline-block max-w-[14rem] truncate rounded-full border border-black/10 px-2 py-0.5 align-middle text-xs font-medium"
      style={{ backgroundColor: color, color: labelTextColor(color) }}
      title={description ? `${name}: ${description}` : name}
      data-testid={testId ?? "label-badge"}
    >
      {name}
    </span>
  );
}
