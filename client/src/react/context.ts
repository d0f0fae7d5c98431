/** Which BatonClient the hooks below a `<BatonProvider client={…}>` use. */
import { createContext, createElement, useContext, type ReactNode } from "react";
import type { BatonClient } from "../sdk/batonClient.ts";

const BatonContext = createContext<BatonClient | null>(null);

export function BatonProvider(props: { client: BatonClient; children?: ReactNode }) {
  return createElement(BatonContext.Provider, { value: props.client }, props.children);
}

/** The client from the nearest BatonProvider (or `explicit`, when given). */
export function useBatonClient(explicit?: BatonClient): BatonClient {
  const fromContext = useContext(BatonContext);
  const client = explicit ?? fromContext;
  if (!client) throw new Error("useDevice/useDevices need a BatonClient: wrap the app in <BatonProvider client={client}> or pass { client }.");
  return client;
}
