import type { FC } from "hono/jsx";
import { COMPONENT_STATUSES, SEVERITIES, type ComponentStatus } from "../db/schema";
import { STATUS_LABELS } from "../status";

// Form controls the console's pages share: every control has a label a screen reader reads out.

export const Field: FC<{ label: string; name: string; value?: string | null; hint?: string; required?: boolean; type?: string; id?: string; max?: number; autofocus?: boolean }> = ({
  label,
  name,
  value,
  hint,
  required,
  type,
  id,
  max,
  autofocus,
}) => {
  const fieldId = id ?? `f-${name}`;
  return (
    <div class="field">
      <label for={fieldId}>
        {label} {hint ? <span class="hint">{hint}</span> : null}
      </label>
      <input type={type ?? "text"} id={fieldId} name={name} value={value ?? ""} required={required} maxlength={max} autofocus={autofocus} />
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
  return (
    <div class="field">
      <label for={fieldId}>
        {label} {hint ? <span class="hint">{hint}</span> : null}
      </label>
      <textarea id={fieldId} name={name} required={required} class={tall ? "tall" : undefined}>
        {value ?? ""}
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
  return (
    <div class="field">
      <label for={fieldId}>
        {label} {hint ? <span class="hint">{hint}</span> : null}
      </label>
      <select id={fieldId} name={name}>
        {options.map(([v, text]) => (
          <option value={v} selected={v === value}>
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
export const ComponentPicker: FC<{ components: { id: string; name: string }[]; chosen: Map<string, ComponentStatus>; prefix?: string }> = ({ components, chosen, prefix }) => (
  <fieldset>
    <legend>Affected components</legend>
    <div class="comp-pick">
      {components.map((c) => {
        const id = `${prefix ?? "c"}-${c.id}`;
        return (
          <>
            <label for={id}>{c.name}</label>
            <select id={id} name={`component:${c.id}`}>
              <option value="">Not affected</option>
              {COMPONENT_STATUSES.map((s) => (
                <option value={s} selected={chosen.get(c.id) === s}>
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

export const EtaFields: FC<{ zone: string; prefix: string; canClear?: boolean }> = ({ zone, prefix, canClear }) => (
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
      <input type="datetime-local" id={`${prefix}-eta`} name="eta" />
    </div>
    <input type="hidden" name="tz_offset" value="" />
  </div>
);

/** The choice to notify subscribers, visible on every post that would. */
export const NotifyBox: FC<{ id: string; checked?: boolean }> = ({ id, checked = true }) => (
  <div class="notify">
    <label class="check" for={id}>
      <input type="checkbox" id={id} name="notify" checked={checked} /> Notify subscribers
    </label>
    <span class="hint">Untick for small corrections nobody needs to be told about.</span>
  </div>
);

export { Written } from "../page/parts";
