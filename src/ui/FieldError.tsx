import { useApp } from "./StoreContext";
import type { FormProblem } from "./store";

/** The form's problem with one field, shown beside that field's control. */
export function FieldError({ field }: { field: FormProblem["field"] }) {
  const problem = useApp((s) => s.formProblems.find((p) => p.field === field));
  return problem ? (
    <p className="field-error" role="alert">
      {problem.message}
    </p>
  ) : null;
}
