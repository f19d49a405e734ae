import { createContext, useContext } from "react";
import { useStore } from "zustand";
import type { AppState, AppStore } from "./store";

export const StoreContext = createContext<AppStore | null>(null);

/** Select one field (or a derived value) from the app store. */
export function useApp<T>(selector: (s: AppState) => T): T {
  const store = useContext(StoreContext);
  if (!store) throw new Error("useApp must be used inside <StoreContext.Provider>");
  return useStore(store, selector);
}
