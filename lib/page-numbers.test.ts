import { describe, expect, it } from "vitest";
import { pageNumbers } from "@/lib/page-numbers";

describe("pageNumbers", () => {
  it("lists every page when there are few", () => {
    expect(pageNumbers(1, 1)).toEqual([1]);
    expect(pageNumbers(1, 3)).toEqual([1, 2, 3]);
    expect(pageNumbers(2, 5)).toEqual([1, 2, 3, 4, 5]);
  });
  it("keeps first, last and the current page's neighbours, with … for longer gaps", () => {
    expect(pageNumbers(1, 10)).toEqual([1, 2, "…", 10]);
    expect(pageNumbers(5, 10)).toEqual([1, "…", 4, 5, 6, "…", 10]);
    expect(pageNumbers(10, 10)).toEqual([1, "…", 9, 10]);
  });
  it("shows the one page a gap of one would hide instead of …", () => {
    expect(pageNumbers(4, 10)).toEqual([1, 2, 3, 4, 5, "…", 10]);
  });
  it("clamps a page beyond the end", () => {
    expect(pageNumbers(99, 4)).toEqual([1, 2, 3, 4]);
  });
});
