"use client";

import { useQuery } from "@tanstack/react-query";
import { searchUsersAction } from "@/app/(console)/projects/[projectId]/members/actions";
import { Providers } from "@/app/providers";

/**
 * The add-member form's username suggestions (react-query, cached per term), loaded lazily once
 * the page is interactive (members-forms.tsx): react-query is not in the page's
 * initial JavaScript (issue 16).
 */
export default function UserSuggestions({ id, term }: { id: string; term: string }) {
  return (
    <Providers>
      <Suggestions id={id} term={term} />
    </Providers>
  );
}

function Suggestions({ id, term }: { id: string; term: string }) {
  const suggestions = useQuery({
    queryKey: ["user-search", term],
    queryFn: () => searchUsersAction(term),
    enabled: term.trim().length >= 1,
    staleTime: 10_000,
  });
  return (
    <datalist id={id}>
      {(suggestions.data ?? []).map((u) => (
        <option key={u.username} value={u.username}>
          {u.fullName}
        </option>
      ))}
    </datalist>
  );
}
