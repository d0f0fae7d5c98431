/** An ordinary link (opens in a new tab with a modifier key, as links do) that navigates in-page otherwise. */
import type { AnchorHTMLAttributes, MouseEvent } from "react";
import { navigate, usePathname } from "../router.ts";

export function Link({ to, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const current = usePathname() === to;
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={to} aria-current={current ? "page" : undefined} onClick={onClick} {...rest} />;
}
