import type { FC } from "hono/jsx";
import type { TemplateRow } from "../db/queries/templates";
import type { ComponentStatus } from "../db/schema";
import { Flash } from "./dashboard";
import { ComponentPicker, ConsoleForm, Field, Select, SEVERITY_OPTIONS, TextArea } from "./fields";
import type { Refill } from "./forms";
import { ConsoleLayout, Csrf, type ConsoleContext } from "./layout";

type Named = { id: string; name: string };

const TemplateForm: FC<{ ctx: ConsoleContext; components: Named[]; t?: TemplateRow; refill?: Refill | null }> = ({ ctx, components, t, refill }) => {
  const prefix = t ? "te" : "tn";
  return (
    <ConsoleForm ctx={ctx} action={t ? `/admin/templates/${t.id}` : "/admin/templates"} refill={refill} version={t?.updatedAt}>
      <Field label="Template name" name="name" id={`${prefix}-name`} value={t?.name} required max={100} />
      <Field label="Incident title" name="title" id={`${prefix}-title`} value={t?.title} required max={200} />
      <TextArea label="Message" name="message" id={`${prefix}-message`} value={t?.message} />
      <Select label="Severity" name="severity" id={`${prefix}-severity`} options={SEVERITY_OPTIONS} value={t?.severity ?? "minor"} />
      <ComponentPicker components={components} chosen={new Map<string, ComponentStatus>((t?.components ?? []).map((c) => [c.id, c.status]))} prefix={prefix} />
      <div>
        <button type="submit">{t ? "Save template" : "Save new template"}</button>
      </div>
    </ConsoleForm>
  );
};

export const TemplatesPage: FC<{ ctx: ConsoleContext; templates: TemplateRow[]; components: Named[]; flash?: string | null; refill?: Refill | null }> = ({
  ctx,
  templates,
  components,
  flash,
  refill,
}) => (
  <ConsoleLayout ctx={ctx} title="Templates">
    <h1>Incident templates</h1>
    <Flash text={flash} />
    {templates.length ? (
      <ul class="card lines">
        {templates.map((t) => (
          <li>
            <strong>{t.name}</strong>: {t.title}
            <div class="actions">
              <a href={`/admin/incidents?template=${t.id}#open-form`}>Open an incident from it</a>
              <a href={`/admin/templates/${t.id}`}>Edit</a>
            </div>
          </li>
        ))}
      </ul>
    ) : (
      <p class="muted">No templates yet.</p>
    )}
    <h2>New template</h2>
    <TemplateForm ctx={ctx} components={components} refill={refill} />
  </ConsoleLayout>
);

export const TemplatePage: FC<{ ctx: ConsoleContext; t: TemplateRow; components: Named[]; refill?: Refill | null }> = ({ ctx, t, components, refill }) => (
  <ConsoleLayout ctx={ctx} title={t.name}>
    <p>
      <a href="/admin/templates">All templates</a>
    </p>
    <h1>Template: {t.name}</h1>
    <TemplateForm ctx={ctx} components={components} t={t} refill={refill} />
    <form method="post" autocomplete="off" action={`/admin/templates/${t.id}/delete`} data-confirm={`Delete the template ${t.name}?`}>
      <Csrf ctx={ctx} />
      <p>
        <button type="submit" class="danger">
          Delete template
        </button>
      </p>
    </form>
  </ConsoleLayout>
);
