/**
 * The console shell: sign-in gate (with the forced change of the one-time password), session
 * keep-alive, left navigation and the route table.
 */
import { useEffect, useState } from 'preact/hooks';
import { ErrorBoundary } from './components/error-boundary.js';
import { api } from './lib/api.js';
import { forgetSignInPassword, signInPassword } from './lib/one-time-password.js';
import { Link, match, useRoute } from './lib/router.js';
import {
  getSession,
  onSessionChange,
  parseExpires,
  type Session,
  setSession,
} from './lib/session.js';
import type { WhoAmI } from './lib/types.js';
import { UserContext } from './lib/user.js';
import { AccountsPage } from './pages/accounts.js';
import { AuditPage } from './pages/audit.js';
import { ConfigurationDetailPage } from './pages/configuration-detail.js';
import { ConfigurationFormPage } from './pages/configuration-form.js';
import { ConfigurationsPage } from './pages/configurations.js';
import { ContentPage } from './pages/content.js';
import { ContentDetailPage } from './pages/content-detail.js';
import { DashboardPage } from './pages/dashboard.js';
import { JwtServerDetailPage, JwtServerNewPage } from './pages/jwt-server-detail.js';
import { JwtServersPage } from './pages/jwt-servers.js';
import { SettingsPage } from './pages/settings.js';
import { ChangePasswordForm, SignInPage } from './pages/sign-in.js';
import { ToolsPage } from './pages/tools.js';

/** The left navigation; `admin` pages are admin-only in the API, so read-only users don't see them. */
const NAV = [
  { href: '/', label: 'Dashboard' },
  { href: '/configurations', label: 'JWT Configurations' },
  { href: '/content', label: 'Content' },
  { href: '/audit', label: 'Audit Log' },
  { href: '/tools', label: 'Tools' },
  { href: '/accounts', label: 'Accounts', admin: true },
  { href: '/jwt-servers', label: 'External JWT Servers', admin: true },
  { href: '/settings', label: 'Settings' },
];

/** Root component: decides between sign-in, forced password change and the console. */
export function App() {
  const [session, setLocal] = useState<Session | null>(getSession());
  const [me, setMe] = useState<WhoAmI | null>(null);
  useEffect(() => onSessionChange(setLocal), []);
  useEffect(() => {
    setMe(null);
    if (!session) return;
    api<WhoAmI>('GET', '/api/v1/auth').then(setMe, () => setSession(null));
  }, [session?.token]);
  useKeepAlive(session);
  useEffect(() => {
    // The sign-in password is kept only for the forced change; drop it whenever it is not needed.
    if (!session || (me && !me.mustChangePassword)) forgetSignInPassword();
  }, [session?.token, me]);

  if (!session) return <SignInPage />;
  if (!me) return <p class="loading-screen">Loading…</p>;
  if (me.mustChangePassword) {
    return (
      <main class="auth-page">
        <div class="auth-card">
          <h1 class="brand-title">Portcullis</h1>
          <h2>Choose a new password</h2>
          <p>Replace the one-time password you signed in with by a password of your own.</p>
          <ChangePasswordForm
            knownCurrent={signInPassword()}
            onDone={() => setMe({ ...me, mustChangePassword: false })}
          />
        </div>
      </main>
    );
  }
  return (
    <UserContext.Provider value={me}>
      <Shell me={me} />
    </UserContext.Provider>
  );
}

function Shell({ me }: { me: WhoAmI }) {
  const { path } = useRoute();
  const signOut = async () => {
    try {
      await api('POST', '/api/v1/auth/invalidate-token');
    } finally {
      setSession(null);
    }
  };
  const section = `/${path.split('/')[1] ?? ''}`;
  return (
    <div class="layout">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <nav class="sidebar" aria-label="Main">
        <div class="brand">Portcullis</div>
        <ul>
          {NAV.filter((item) => !item.admin || me.role === 'admin').map((item) => (
            <li key={item.href}>
              <Link href={item.href} aria-current={section === item.href ? 'page' : undefined}>
                {item.label}
              </Link>
            </li>
          ))}
        </ul>
        <div class="sidebar-foot">
          <span class="user">
            {me.username} <span class="muted">({me.role})</span>
          </span>
          <button type="button" class="button small ghost" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </nav>
      <main id="main" class="content" tabIndex={-1}>
        <ErrorBoundary resetKey={path}>
          <Routes path={path} />
        </ErrorBoundary>
      </main>
    </div>
  );
}

function Routes({ path }: { path: string }) {
  if (path === '/' || path === '') return <DashboardPage />;
  if (path === '/configurations') return <ConfigurationsPage />;
  if (path === '/configurations/new') return <ConfigurationFormPage />;
  let m = match('/configurations/:id', path);
  // Keyed: moving from one configuration to another (a link in a warning) starts a fresh page,
  // never one still showing the previous configuration's warnings or dialogs.
  if (m) return <ConfigurationDetailPage key={m.id} id={m.id!} />;
  if (path === '/content') return <ContentPage />;
  m = match('/content/:path*', path);
  if (m) return <ContentDetailPage path={m.path!} />;
  if (path === '/audit') return <AuditPage />;
  if (path === '/tools') return <ToolsPage />;
  if (path === '/settings') return <SettingsPage />;
  if (path === '/accounts') return <AccountsPage />;
  if (path === '/jwt-servers') return <JwtServersPage />;
  if (path === '/jwt-servers/new') return <JwtServerNewPage />;
  m = match('/jwt-servers/:id', path);
  if (m) return <JwtServerDetailPage id={m.id!} />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no console page here. <Link href="/">Go to the dashboard</Link>.
      </p>
    </section>
  );
}

/** Renews the bearer token shortly before it expires, but only for a user who was active. */
function useKeepAlive(session: Session | null) {
  useEffect(() => {
    if (!session) return;
    let active = false;
    const mark = () => {
      active = true;
    };
    window.addEventListener('pointerdown', mark);
    window.addEventListener('keydown', mark);
    const timer = setInterval(async () => {
      const current = getSession();
      if (!current || !active || current.expires - Date.now() > 5 * 60_000) return;
      active = false;
      try {
        const res = await api<{ token: string; expires: unknown }>(
          'POST',
          '/api/v1/auth/keep-alive',
        );
        setSession({ ...current, token: res.token, expires: parseExpires(res.expires) });
      } catch {
        // A failed renewal leaves the old token; the next 401 signs the user out.
      }
    }, 30_000);
    return () => {
      clearInterval(timer);
      window.removeEventListener('pointerdown', mark);
      window.removeEventListener('keydown', mark);
    };
  }, [session?.token]);
}
