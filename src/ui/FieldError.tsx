import { useEffect, useRef } from "react";
import { useApp } from "./StoreContext";
import type { FormProblem } from "./store";

/** The form's problem with one field, shown beside that field's control. */
export function FieldError({ field }: { field: FormProblem["field"] }) {
  const problem = useApp((s) => s.formProblems.find((p) => p.field === field));
  const first = useApp((s) => s.formProblems[0]?.field === field);
  const ref = useRef<HTMLParagraphElement>(null);
  // the first problem is brought into view, so Generate pressed far from the field still shows why nothing ran
  useEffect(() => {
    if (first && problem) ref.current?.scrollIntoView?.({ block: "center", behavior: "smooth" });
  }, [first, problem]);
  return problem ? (
    <p className="field-error" role="alert" ref={ref}>
      {problem.message}
    </p>
  ) : null;
}
