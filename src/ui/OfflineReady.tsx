import { useEffect, useState } from "react";

/**
 * Says when the service worker is active: it has then precached the app shell, ORT's WASM build and the
 * built-in model, so the app opens and generates without a network.
 */
export function OfflineReady() {
  const [ready, setReady] = useState(false);
  useEffect(() => {
    if (!("serviceWorker" in navigator)) return;
    let live = true;
    void navigator.serviceWorker.ready.then(() => live && setReady(true));
    return () => {
      live = false;
    };
  }, []);
  return (
    <p className="offline" role="status">
      {ready ? "Ready to work offline." : ""}
    </p>
  );
}
