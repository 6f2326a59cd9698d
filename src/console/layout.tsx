import type { Child, FC } from "hono/jsx";
import type { ConsoleSession } from "../auth/console-session";
import { consoleAssets } from "./assets";

export const SECTIONS = [
  ["/admin", "Dashboard"],
  ["/admin/incidents", "Incidents"],
  ["/admin/templates", "Templates"],
  ["/admin/maintenance", "Maintenance"],
  ["/admin/components", "Components"],
  ["/admin/subscribers", "Subscribers"],
  ["/admin/audit", "Audit log"],
] as const;

export interface ConsoleContext {
  pageName: string;
  /** The Clerk Frontend API host when Clerk signs people in (its script keeps the session fresh). */
  clerkHost: string | null;
  publishableKey?: string;
  session?: ConsoleSession;
  /** Which section the page belongs to, for the navigation. */
  section?: string;
}

const ClerkScript: FC<{ ctx: ConsoleContext }> = ({ ctx }) =>
  ctx.clerkHost ? (
    <script
      src={`https://${ctx.clerkHost}/npm/@clerk/clerk-js@5/dist/clerk.browser.js`}
      data-clerk-publishable-key={ctx.publishableKey}
      crossorigin="anonymous"
      defer
    ></script>
  ) : null;

/**
 * Every console form carries the session's CSRF token, and a key of its own for this rendering of the form:
 * the same form sent twice (a double click without JavaScript, a browser resending after a dropped answer)
 * is one submission, answered the first time's way. Post forms are also autocomplete="off": otherwise Back
 * refills a fresh rendering (with a new key) with the text already sent, one click from sending it again.
 */
export const Csrf: FC<{ ctx: ConsoleContext }> = ({ ctx }) => (
  <>
    <input type="hidden" name="_csrf" value={ctx.session?.csrf ?? ""} />
    <input type="hidden" name="_submission" value={crypto.randomUUID()} />
  </>
);

export const ConsoleLayout: FC<{ ctx: ConsoleContext; title: string; children?: Child; script?: string }> = ({ ctx, title, children, script }) => {
  const assets = consoleAssets();
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`${title} · ${ctx.pageName} console`}</title>
        <meta name="color-scheme" content="light dark" />
        <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
        <link rel="stylesheet" href={assets.css} />
        <ClerkScript ctx={ctx} />
        <script src={script ?? assets.js} defer></script>
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <div class="wrap">
            <a class="brand" href="/admin">
              <span>{ctx.pageName} console</span>
            </a>
            {ctx.session ? (
              <div class="who">
                <span>Signed in as {ctx.session.label}</span>
                <span id="live" class="live" data-state="static" role="status"></span>
                <form method="post" autocomplete="off" action="/admin/sign-out">
                  <Csrf ctx={ctx} />
                  <button type="submit" class="secondary">
                    Sign out
                  </button>
                </form>
              </div>
            ) : null}
          </div>
          {ctx.session ? (
            <nav class="wrap" aria-label="Console">
              <ul>
                {SECTIONS.map(([href, label]) => (
                  <li>
                    <a href={href} aria-current={ctx.section === href ? "page" : undefined}>
                      {label}
                    </a>
                  </li>
                ))}
                <li>
                  <a href="/">Status page</a>
                </li>
              </ul>
            </nav>
          ) : null}
        </header>
        <main id="main" class="wrap">
          {children}
        </main>
      </body>
    </html>
  );
};

export const renderConsole = (node: unknown) => `<!DOCTYPE html>${String(node)}`;

/** Signed out: Clerk's sign-in (from its Frontend API) when configured, the local sign-in hint otherwise. */
export const SignInPage: FC<{ ctx: ConsoleContext; localSignIn: boolean; signingOut?: boolean }> = ({ ctx, localSignIn, signingOut }) => (
  <ConsoleLayout ctx={ctx} title={signingOut ? "Signing out" : "Sign in"} script={consoleAssets().signIn}>
    <h1>{signingOut ? "Signing out…" : "Sign in to the console"}</h1>
    {signingOut ? (
      <div id="clerk-sign-out"></div>
    ) : ctx.clerkHost ? (
      <>
        <div id="clerk-sign-in"></div>
        <noscript>
          <p>Signing in with Clerk needs JavaScript.</p>
        </noscript>
      </>
    ) : localSignIn ? (
      <p>
        This is the local development server. Run <code>npm run -s signin-url</code> and open the link it prints.
      </p>
    ) : (
      <p>Sign-in is not configured on this page. An operator sets CLERK_PUBLISHABLE_KEY and CLERK_JWT_KEY (see the README).</p>
    )}
  </ConsoleLayout>
);

export const NotAdminPage: FC<{ ctx: ConsoleContext; userId: string }> = ({ ctx, userId }) => (
  <ConsoleLayout ctx={ctx} title="Not an admin">
    <h1>You are signed in, but not an admin</h1>
    <p>
      The account <code>{userId}</code> does not have the admin role on this status page, so the console is closed to it. Ask an admin to
      give your Clerk user the role.
    </p>
    <form method="post" autocomplete="off" action="/admin/sign-out">
      <button type="submit" class="secondary">
        Sign out
      </button>
    </form>
    <p>
      <a href="/">Go to the status page</a>
    </p>
  </ConsoleLayout>
);

export const ProblemPage: FC<{ ctx: ConsoleContext; title: string; message: string; details?: string[]; back?: string }> = ({
  ctx,
  title,
  message,
  details,
  back,
}) => (
  <ConsoleLayout ctx={ctx} title={title}>
    <h1>{title}</h1>
    <div class="error" role="alert">
      <p>{message}</p>
      {details?.length ? (
        <ul>
          {details.map((d) => (
            <li>{d}</li>
          ))}
        </ul>
      ) : null}
    </div>
    <p>{back ? <a href={back}>Go back</a> : <a href="/admin">Back to the dashboard</a>}</p>
  </ConsoleLayout>
);

/**
 * The step before something that cannot be undone, for a browser without scripts (the script asks in a
 * dialog and sends the form confirmed). Keep goes back to where the button was.
 */
export const ConfirmPage: FC<{ ctx: ConsoleContext; title: string; question: string; action: string; yes: string; keep: string; fields?: Record<string, string> }> = ({
  ctx,
  title,
  question,
  action,
  yes,
  keep,
  fields,
}) => (
  <ConsoleLayout ctx={ctx} title={title}>
    <h1>{title}</h1>
    <form method="post" autocomplete="off" action={action}>
      <Csrf ctx={ctx} />
      <input type="hidden" name="confirm" value="1" />
      {Object.entries(fields ?? {}).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <p>{question}</p>
      <p class="actions">
        <button type="submit" class="danger" autofocus>
          {yes}
        </button>
        <a href={keep}>Keep it</a>
      </p>
    </form>
  </ConsoleLayout>
);
