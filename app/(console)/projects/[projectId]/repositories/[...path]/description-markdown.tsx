import Markdown, { type Components } from "react-markdown";

/**
 * A repository description rendered as markdown (CommonMark), on the server. Raw HTML in the
 * text is dropped, never rendered (skipHtml; no rehype-raw), link targets go through
 * react-markdown's URL filter (no `javascript:`), and images are dropped rather than loaded from
 * wherever the text points.
 */
const COMPONENTS: Components = {
  h1: ({ children }) => <h4 className="mt-3 mb-1 text-base font-semibold">{children}</h4>,
  h2: ({ children }) => <h4 className="mt-3 mb-1 text-base font-semibold">{children}</h4>,
  h3: ({ children }) => <h5 className="mt-2 mb-1 text-sm font-semibold">{children}</h5>,
  h4: ({ children }) => <h5 className="mt-2 mb-1 text-sm font-semibold">{children}</h5>,
  h5: ({ children }) => <h6 className="mt-2 mb-1 text-sm font-semibold">{children}</h6>,
  h6: ({ children }) => <h6 className="mt-2 mb-1 text-sm font-semibold">{children}</h6>,
  p: ({ children }) => <p className="my-2">{children}</p>,
  ul: ({ children }) => <ul className="my-2 list-disc pl-6">{children}</ul>,
  ol: ({ children }) => <ol className="my-2 list-decimal pl-6">{children}</ol>,
  a: ({ href, children }) => (
    <a href={href} className="text-sky-800 underline" rel="nofollow noopener noreferrer">
      {children}
    </a>
  ),
  code: ({ children }) => <code className="rounded bg-slate-100 px-1 font-mono text-xs">{children}</code>,
  pre: ({ children }) => <pre className="my-2 overflow-x-auto rounded bg-slate-100 p-3 font-mono text-xs">{children}</pre>,
  blockquote: ({ children }) => <blockquote className="my-2 border-l-4 border-slate-200 pl-3 text-slate-600">{children}</blockquote>,
};

export function DescriptionMarkdown({ text }: { text: string }) {
  return (
    <div className="text-sm text-slate-700" data-testid="repository-description">
      <Markdown components={COMPONENTS} skipHtml disallowedElements={["img"]} unwrapDisallowed>
        {text}
      </Markdown>
    </div>
  );
}
