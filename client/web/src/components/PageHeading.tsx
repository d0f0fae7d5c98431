/**
 * A page's one <h1>, which also names the tab. After an in-page navigation focus moves to it,
 * so keyboard and screen-reader users start reading the new page at its top, as after a
 * full page load (where focus is left alone).
 */
import { useEffect, useRef, type ReactNode } from "react";

let firstPage = true;

export function PageHeading({ title, children }: { title: string; children?: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} — Baton`;
  }, [title]);
  useEffect(() => {
    if (firstPage) {
      firstPage = false;
      return;
    }
    heading.current?.focus();
  }, []);
  return (
    <h1 ref={heading} tabIndex={-1}>
      {children ?? title}
    </h1>
  );
}
