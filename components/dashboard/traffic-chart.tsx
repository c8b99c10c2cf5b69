"use client";

import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export type TrafficChartProps = {
  /** One entry per UTC day, oldest first (`YYYY-MM-DD`). */
  data: { day: string; value: number }[];
  /** The series' name in the tooltip, e.g. "Pulls". */
  label: string;
  color: string;
};

/** "2026-12-05" -> "12-05": thirty ticks of full dates would not fit a phone's width. */
const shortDay = (day: string) => day.slice(5);

/**
 * One series per chart (pushes and pulls differ by orders of magnitude, so a shared axis would
 * flatten the pushes). The figures come computed from the server; this only draws them. Loaded
 * lazily (traffic-chart-lazy.tsx): recharts is the larger part of the dashboard's JavaScript.
 */
export default function TrafficChart({ data, label, color }: TrafficChartProps) {
  // No keyboard layer (accessibilityLayer): the panel hides the picture from assistive technology
  // and states its figures in text, and a focusable element inside aria-hidden would be a trap.
  return (
    <ResponsiveContainer width="100%" height={200}>
      <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }} accessibilityLayer={false}>
        {/* Palette variables, not hex: they follow the theme (app/globals.css), so dark mode gets light ticks. */}
        <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="var(--color-slate-200)" />
        <XAxis dataKey="day" tickFormatter={shortDay} tick={{ fontSize: 11, fill: "var(--color-slate-600)" }} stroke="var(--color-slate-300)" minTickGap={12} />
        <YAxis allowDecimals={false} tick={{ fontSize: 11, fill: "var(--color-slate-600)" }} stroke="var(--color-slate-300)" width={48} />
        <Tooltip
          labelFormatter={(day) => `${String(day)} (UTC)`}
          formatter={(value) => [value, label]}
          cursor={{ fill: "var(--color-slate-100)" }}
          contentStyle={{ background: "var(--color-white)", borderColor: "var(--color-slate-200)", color: "var(--color-slate-900)" }}
        />
        <Bar dataKey="value" name={label} fill={color} isAnimationActive={false} />
      </BarChart>
    </ResponsiveContainer>
  );
}
