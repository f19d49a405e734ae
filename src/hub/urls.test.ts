import { describe, expect, it } from "vitest";
import { DEFAULT_HUB_BASE, hubBaseFromLocation, hubFileUrl } from "./urls";

describe("hub urls", () => {
  it("picks the hub from ?hub=, then the saved setting, then huggingface.co, skipping invalid values", () => {
    expect(hubBaseFromLocation("", null)).toBe(DEFAULT_HUB_BASE);
    expect(hubBaseFromLocation("?seed=1", "https://mirror.example/hf/")).toBe("https://mirror.example/hf");
    expect(hubBaseFromLocation("?hub=http%3A%2F%2F127.0.0.1%3A8090", "https://mirror.example")).toBe("http://127.0.0.1:8090");
    expect(hubBaseFromLocation("?hub=javascript:alert(1)", "not a url")).toBe(DEFAULT_HUB_BASE);
    expect(hubBaseFromLocation("?hub=https://h.example/x?y=1#z", undefined)).toBe("https://h.example/x");
  });

  it("builds download addresses with the hub's resolve rule, encoding revision and path", () => {
    expect(hubFileUrl("https://hf.example/mirror/", "a/b", "refs/pr/1", "dir/my file.onnx")).toBe(
      "https://hf.example/mirror/a/b/resolve/refs%2Fpr%2F1/dir/my%20file.onnx",
    );
  });
});
