/**
 * The run input of one session type, as a form generated from the device's declared JSON
 * Schema (fields.ts), checked in words before sending (validate.ts). A schema richer than a
 * flat form — or a person who prefers it — edits the input as JSON, which is checked for
 * syntax here and against the schema by the server, whose sentence the page then shows.
 */
import { useId, useMemo, useRef, useState, type FormEvent } from "react";
import type { SessionTypeInfo } from "@baton/client";
import { fieldHint, initialValues, planForm, type Field } from "./fields.ts";
import { checkForm, parseJsonInput } from "./validate.ts";

interface Props {
  sessionType: SessionTypeInfo;
  submitLabel: string;
  disabled?: boolean;
  /** Why the form cannot be sent now, shown under the button. */
  disabledReason?: string;
  onSubmit(input: Record<string, unknown>): void;
}

export function InputForm({ sessionType, submitLabel, disabled = false, disabledReason, onSubmit }: Props) {
  const prefix = useId();
  const schema = sessionType.inputSchema;
  const plan = useMemo(() => planForm(sessionType.inputSchema), [sessionType.inputSchema]);
  const fields = plan.mode === "fields" ? plan.fields : [];
  const [values, setValues] = useState(() => initialValues(fields));
  const [jsonChosen, setJsonChosen] = useState(false);
  const [jsonText, setJsonText] = useState("{}");
  const [problems, setProblems] = useState<Record<string, string>>({});
  const formRef = useRef<HTMLFormElement>(null);
  const jsonMode = plan.mode === "json" || jsonChosen;
  const fieldId = (name: string) => `${prefix}-field-${name}`;
  const problemId = (name: string) => `${prefix}-problem-${name}`;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (disabled) return;
    if (jsonMode) {
      const { input, problem } = parseJsonInput(jsonText);
      setProblems(problem ? { json: problem } : {});
      if (input) onSubmit(input);
      else formRef.current?.querySelector<HTMLElement>("textarea")?.focus();
      return;
    }
    const checked = checkForm(fields, values, schema);
    setProblems(checked.problems);
    const first = fields.find((field) => checked.problems[field.name]);
    if (first) return document.getElementById(fieldId(first.name))?.focus();
    if (checked.problems[""]) return;
    onSubmit(checked.input);
  }

  function switchToJson(chosen: boolean) {
    if (chosen) {
      // Carry over what was typed, as far as it already makes sense.
      const { input } = checkForm(fields, values, {});
      setJsonText(JSON.stringify(input, null, 2));
    }
    setProblems({});
    setJsonChosen(chosen);
  }

  const count = Object.keys(problems).length;
  return (
    <form ref={formRef} className="input-form" onSubmit={submit} noValidate aria-label={`Input for ${sessionType.name}`}>
      {count > 0 && (
        <div className="alert alert-error" role="alert">
          <p>{count === 1 ? "The input needs one correction:" : `The input needs ${count} corrections:`}</p>
          <ul>
            {Object.entries(problems).map(([name, sentence]) => (
              <li key={name}>{sentence}</li>
            ))}
          </ul>
        </div>
      )}
      {plan.mode === "json" && <p className="hint">This device's input is edited as JSON: {plan.reason}.</p>}
      {!jsonMode &&
        fields.map((field) => (
          <FieldInput
            key={field.name}
            field={field}
            id={fieldId(field.name)}
            problemId={problems[field.name] ? problemId(field.name) : undefined}
            problem={problems[field.name]}
            value={values[field.name] ?? ""}
            onChange={(value) => setValues((previous) => ({ ...previous, [field.name]: value }))}
          />
        ))}
      {jsonMode && (
        <div className="field">
          <label htmlFor={fieldId("json")}>Input (JSON)</label>
          <textarea
            id={fieldId("json")}
            rows={5}
            value={jsonText}
            spellCheck={false}
            onChange={(event) => setJsonText(event.target.value)}
            aria-invalid={problems.json ? true : undefined}
            aria-describedby={`${prefix}-json-hint`}
          />
          <p className="hint" id={`${prefix}-json-hint`}>
            A JSON object. The server checks it against what the device accepts.
          </p>
        </div>
      )}
      {plan.mode === "fields" && fields.length > 0 && (
        <div className="field-check">
          <input id={`${prefix}-json-toggle`} type="checkbox" checked={jsonChosen} onChange={(event) => switchToJson(event.target.checked)} />
          <label htmlFor={`${prefix}-json-toggle`}>Edit the input as JSON</label>
        </div>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={disabled} aria-describedby={disabled && disabledReason ? `${prefix}-why` : undefined}>
          {submitLabel}
        </button>
      </div>
      {disabled && disabledReason && (
        <p className="hint" id={`${prefix}-why`}>
          {disabledReason}
        </p>
      )}
    </form>
  );
}

function FieldInput({ field, id, value, problem, problemId, onChange }: { field: Field; id: string; value: string; problem?: string; problemId?: string; onChange(value: string): void }) {
  const hint = fieldHint(field);
  const hintId = `${id}-hint`;
  const describedBy = [problemId, hint ? hintId : undefined].filter(Boolean).join(" ") || undefined;
  const common = { id, name: field.name, "aria-invalid": problem ? true : undefined, "aria-describedby": describedBy, "aria-required": field.required || undefined };
  if (field.kind === "boolean") {
    return (
      <div className="field-check">
        <input {...common} type="checkbox" checked={value === "true"} onChange={(event) => onChange(String(event.target.checked))} />
        <label htmlFor={id}>{field.label}</label>
        {hint && <p className="hint" id={hintId}>{hint}</p>}
      </div>
    );
  }
  return (
    <div className={`field${problem ? " has-problem" : ""}`}>
      <label htmlFor={id}>
        {field.label}
        {field.required && <span className="required"> (required)</span>}
      </label>
      {field.kind === "choice" ? (
        <select {...common} value={value} onChange={(event) => onChange(event.target.value)}>
          <option value="">{field.required ? "Choose…" : "— none —"}</option>
          {field.choices!.map((choice) => (
            <option key={choice} value={choice}>
              {choice}
            </option>
          ))}
        </select>
      ) : (
        <input
          {...common}
          type={field.kind === "text" ? "text" : "number"}
          inputMode={field.kind === "integer" ? "numeric" : field.kind === "number" ? "decimal" : undefined}
          step={field.kind === "integer" ? 1 : field.kind === "number" ? "any" : undefined}
          value={value}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
      {problem && (
        <p className="problem" id={problemId}>
          {problem}
        </p>
      )}
      {hint && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
    </div>
  );
}
