import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { DescriptionMarkdown } from "@/app/(console)/projects/[projectId]/repositories/[...path]/description-markdown";

const render = (text: string) => renderToStaticMarkup(createElement(DescriptionMarkdown, { text }));

describe("repository description markdown", () => {
  it("renders headings, lists, code and links", () => {
    const html = render("# App\n\n- one\n- two\n\nRun `app --help`. See [docs](https://example.test/docs).");
    expect(html).toContain(">App</h4>");
    expect(html).toContain("<li>one</li>");
    expect(html).toContain(">app --help</code>");
    expect(html).toContain('href="https://example.test/docs"');
    expect(html).toContain('rel="nofollow noopener noreferrer"');
  });

  it("never renders raw HTML, script links or images", () => {
    const html = render('<script>alert(1)</script>\n\n<b onclick="x()">bold</b> [x](javascript:alert(1)) ![pixel](https://tracker.test/p.png)');
    expect(html).not.toContain("<script");
    expect(html).not.toContain("onclick");
    expect(html).not.toContain("<b");
    expect(html).not.toContain("javascript:");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("tracker.test");
  });
});
