import { useLayoutEffect, useRef, useState } from "react";
import { integerScale } from "./pixelScale";

/**
 * An image that fills its frame: a small one (a 64×64 result) at a whole-number scale with crisp pixels,
 * a large one scaled down smoothly. The frame's size is watched, so a narrow phone gets a smaller multiple.
 */
export function PixelImage({ src, alt, width, height }: { src: string; alt: string; width: number; height: number }) {
  const img = useRef<HTMLImageElement>(null);
  const [scale, setScale] = useState<number>();
  useLayoutEffect(() => {
    const frame = img.current?.parentElement;
    if (!frame) return;
    const measure = () => setScale(integerScale(frame.clientWidth, frame.clientHeight, width, height));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(frame);
    return () => observer.disconnect();
  }, [width, height]);
  return (
    <img
      ref={img}
      src={src}
      alt={alt}
      width={width}
      height={height}
      className={scale ? "pixelated" : "fitted"}
      style={scale ? { width: width * scale, height: height * scale } : undefined}
      data-scale={scale ?? ""}
    />
  );
}
