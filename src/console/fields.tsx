import { createContext, useContext, type Child, type FC } from "hono/jsx";
import { COMPONENT_STATUSES, SEVERITIES, type ComponentStatus } from "../db/schema";
import { STATUS_LABELS } from "../status";
import { formVersion, one, type FormFields, type FormProblem, type Refill } from "./forms";
import { Csrf, type ConsoleContext } from "./layout";

// Form controls the console's pages share: every control has a label a screen reader reads out. Inside a
// form that came back refused, each control shows what was typed into it and what is wrong with it.

const Refilled = createContext<Refill | null>(null);

/**
 * What was typed into a field of the refused form around it: undefined outside one, and for a field a form
 * drawn before another change did not touch (it shows the record as it is now).
 */
function typed(name: string): string | undefined {
  const sent = typedAll(name);
  return sent && (sent[0] ?? "");
}

/** Every value a field (checkboxes of one name) was sent with, or undefined where typed() is. */
function typedAll(name: string): string[] | undefined {
  const refill = useContext(Refilled);
  if (!refill || (refill.stale && !(name in refill.values))) return undefined;
  return [refill.values[name] ?? []].flat().filter((v): v is string => typeof v === "string");
}

function problemsOf(name: string): FormProblem[] {
  return useContext(Refilled)?.problems.filter((p) => p.field === name) ?? [];
}

/** A field's own error message, and the attributes that tie the field to it. */
function fieldError(name: string, fieldId: string): { attrs: Record<string, string>; note: unknown } {
  const problems = problemsOf(name);
  if (!problems.length) return { attrs: {}, note: null };
  const noteId = `${fieldId}-error`;
  return {
    attrs: { "aria-invalid": "true", "aria-describedby": noteId },
    note: (
      <p class="field-error" id={noteId}>
        {problems.map((p) => p.text).join(" ")}
      </p>
    ),
  };
}

/** A refused form's summary: first in the form, focused on arrival (the script focuses it too). */
export const FormErrors: FC<{ refill: Refill }> = ({ refill }) => (
  <div class="error" role="alert" tabindex={-1} autofocus data-form-error>
    {refill.stale ? (
      <>
        <p>
          <strong>Not saved.</strong> {refill.problems.map((p) => p.text).join(" ")}
        </p>
        {refill.stale.sent.length ? (
          <>
            <p>The form now shows it as it is. What you sent, to copy back where it still applies:</p>
            <dl class="sent">
              {refill.stale.sent.map((f) => (
                <>
                  <dt>{f.label}</dt>
                  <dd>{f.text}</dd>
                </>
              ))}
            </dl>
          </>
        ) : (
          <p>The form now shows it as it is, with what you typed kept in the fields you changed: check them and send it again.</p>
        )}
      </>
    ) : (
      <>
        <p>
          <strong>Not saved.</strong> {refill.problems.length > 1 ? "Correct these and send it again:" : "Correct this and send it again:"}
        </p>
        <ul>
          {refill.problems.map((p) => (
            <li>{p.text}</li>
          ))}
        </ul>
      </>
    )}
  </div>
);

/**
 * A console post form: the session's CSRF token and a fresh submission key, and, when this form is the one
 * that was refused, its summary and what was typed into each of its fields. An edit form carries the
 * version of what it shows (`version`: its updated_at or revision), so an edit drawn before another change
 * is refused rather than putting back what that change replaced.
 */
export const ConsoleForm: FC<{
  ctx: ConsoleContext;
  action: string;
  refill?: Refill | null;
  class?: string;
  confirm?: string;
  version?: number;
  /** Fields drawn with what the admin typed on an earlier screen (a preview): as if typed into here. */
  touched?: string;
  children?: Child;
}> = ({ ctx, action, refill, class: className, confirm, version, touched, children }) => {
  const mine = refill && refill.action === action.toLowerCase() ? refill : null;
  // Refused for what it says (not for being stale), the form still edits what it was first drawn from: it
  // keeps that version, so once corrected it is refused if someone changed the record meanwhile, rather
  // than putting back what they changed. Refused as stale, it is drawn around the record as it is now.
  const drawnFrom = (mine && !mine.stale ? formVersion(mine.values) : undefined) ?? version;
  // The fields typed into so far, carried through refusals and previews (the script adds what is typed here).
  const carried = [touched, mine && one(mine.values, "_touched")].filter(Boolean).join(",");
  return (
    <form class={className ?? "f card pad"} method="post" autocomplete="off" action={action} data-confirm={confirm}>
      <Csrf ctx={ctx} />
      {version !== undefined ? <input type="hidden" name="_version" value={String(drawnFrom)} /> : null}
      {carried ? <input type="hidden" name="_touched" value={carried} /> : null}
      {mine ? <FormErrors refill={mine} /> : null}
      <Refilled.Provider value={mine}>{children}</Refilled.Provider>
    </form>
  );
};

/**
 * What a form showed when first drawn, for the server to tell what the admin changed: kept as sent when a
 * refused form is drawn again (the record may have moved since), else as given.
 */
export const Drawn: FC<{ name: string; value: string }> = ({ name, value }) => <input type="hidden" name={name} value={typed(name) ?? value} />;

/** A checkbox: ticked as sent in a refused form around it, else as given. */
export const CheckBox: FC<{ id: string; name: string; value?: string; checked: boolean }> = ({ id, name, value, checked }) => {
  const sent = typedAll(name);
  return <input type="checkbox" id={id} name={name} value={value} checked={sent ? sent.includes(value ?? "on") : checked} />;
};

export type { FormFields };

export const Field: FC<{
  label: string;
  name: string;
  value?: string | null;
  hint?: string;
  required?: boolean;
  type?: string;
  id?: string;
  max?: number;
  autofocus?: boolean;
  /** Shown and sent as it is, not changed: what the record no longer lets change. */
  readonly?: boolean;
  /** For a time: the instant `value` shows in the page's zone, which the script shows in the reader's. */
  at?: number;
}> = ({
  label,
  name,
  value,
  hint,
  required,
  type,
  id,
  max,
  autofocus,
  readonly,
  at,
}) => {
  const fieldId = id ?? `f-${name}`;
  const error = fieldError(name, fieldId);
  const sent = typed(name);
  return (
    <div class="field">
      <label for={fieldId}>
        {label} {hint ? <span class="hint">{hint}</span> : null}
      </label>
      {error.note}
      <input
        type={type ?? "text"}
        id={fieldId}
        name={name}
        value={sent ?? value ?? ""}
        required={required}
        maxlength={max}
        autofocus={autofocus}
        readonly={readonly}
        data-at={sent === undefined && at !== undefined ? String(at) : undefined}
        {...error.attrs}
      />
    </div>
  );
};

export const TextArea: FC<{ label: string; name: string; value?: string | null; hint?: string; required?: boolean; id?: string; tall?: boolean }> = ({
  label,
  name,
  value,
  hint,
  required,
  id,
  tall,
}) => {
  const fieldId = id ?? `f-${name}`;
  const error = fieldError(name, fieldId);
  return (
    <div class="field">
      <label for={fieldId}>
        {label} {hint ? <span class="hint">{hint}</span> : null}
      </label>
      {error.note}
      <textarea id={fieldId} name={name} required={required} class={tall ? "tall" : undefined} {...error.attrs}>
        {typed(name) ?? value ?? ""}
      </textarea>
    </div>
  );
};

export const Select: FC<{ label: string; name: string; options: readonly (readonly [string, string])[]; value?: string; id?: string; hint?: string }> = ({
  label,
  name,
  options,
  value,
  id,
  hint,
}) => {
  const fieldId = id ?? `f-${name}`;
  const error = fieldError(name, fieldId);
  const chosen = typed(name) ?? value;
  return (
    <div class="field">
      <label for={fieldId}>
        {label} {hint ? <span class="hint">{hint}</span> : null}
      </label>
      {error.note}
      <select id={fieldId} name={name} {...error.attrs}>
        {options.map(([v, text]) => (
          <option value={v} selected={v === chosen}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
};

export const SEVERITY_OPTIONS = SEVERITIES.map((s) => [s, s === "none" ? "None" : s[0]!.toUpperCase() + s.slice(1)] as const);
export const OPEN_STATUS_OPTIONS = [
  ["investigating", "Investigating"],
  ["identified", "Identified"],
  ["monitoring", "Monitoring"],
] as const;

/** One select per component: not affected, or the status it should show while the incident is open. */
export const ComponentPicker: FC<{ components: { id: string; name: string }[]; chosen: Map<string, ComponentStatus>; prefix?: string }> = ({ components, chosen, prefix }) => {
  const error = fieldError("components", `${prefix ?? "c"}-components`);
  const statusOf = (id: string) => typed(`component:${id}`) ?? chosen.get(id);
  return (
  <fieldset aria-describedby={error.attrs["aria-describedby"]}>
    <legend>Affected components</legend>
    {error.note}
    <div class="comp-pick">
      {components.map((c) => {
        const id = `${prefix ?? "c"}-${c.id}`;
        return (
          <>
            <label for={id}>{c.name}</label>
            <select id={id} name={`component:${c.id}`}>
              <option value="">Not affected</option>
              {COMPONENT_STATUSES.map((s) => (
                <option value={s} selected={statusOf(c.id) === s}>
                  {STATUS_LABELS[s]}
                </option>
              ))}
            </select>
          </>
        );
      })}
    </div>
  </fieldset>
  );
};

export const EtaFields: FC<{ zone: string; prefix: string; canClear?: boolean }> = ({ zone, prefix, canClear }) => {
  const error = fieldError("eta", `${prefix}-eta`);
  return (
  <div class="row">
    <Select
      label="Expected resolution"
      name="eta_in"
      id={`${prefix}-eta-in`}
      options={[["", canClear ? "Keep as it is" : "No estimate"], ...(canClear ? [["clear", "Remove the estimate"] as const] : []), ["15", "In 15 minutes"], ["30", "In 30 minutes"], ["60", "In 1 hour"], ["120", "In 2 hours"], ["240", "In 4 hours"], ["1440", "In 1 day"]]}
    />
    <div class="field">
      <label for={`${prefix}-eta`}>
        or at <span class="hint">(your time zone; {zone} without scripts)</span>
      </label>
      {error.note}
      <input type="datetime-local" id={`${prefix}-eta`} name="eta" value={typed("eta")} {...error.attrs} />
    </div>
    <input type="hidden" name="tz_offset" value="" />
  </div>
  );
};

/** The choice to notify subscribers, visible on every post that would. */
export const NotifyBox: FC<{ id: string; checked?: boolean; hint?: string }> = ({ id, checked = true, hint = "Untick for small corrections nobody needs to be told about." }) => (
  <div class="notify">
    <label class="check" for={id}>
      <CheckBox id={id} name="notify" checked={checked} /> Notify subscribers
    </label>
    <span class="hint">{hint}</span>
  </div>
);

export { Written } from "../page/parts";
