import { useEffect, type ReactNode } from 'react';
import { Header } from './components/Header';
import { NotFound } from './pages/NotFound';
import { NotebookPage } from './pages/NotebookPage';
import { NotebooksPage } from './pages/NotebooksPage';
import { OrdersDashboard } from './pages/OrdersDashboard';
import { RevenueDashboard } from './pages/RevenueDashboard';
import { matchPath, navigate, usePathname } from './router';

interface Route {
  path: string;
  title: string;
  render: (params: Record<string, string>) => ReactNode;
}

/** Add new pages here. Paths must also be served by the dev server (SPA fallback does that). */
export const ROUTES: Route[] = [
  { path: '/dashboards/revenue', title: 'Revenue', render: () => <RevenueDashboard /> },
  { path: '/dashboards/orders', title: 'Orders', render: () => <OrdersDashboard /> },
  { path: '/notebooks', title: 'Notebooks', render: () => <NotebooksPage /> },
  { path: '/notebooks/:id', title: 'Notebook', render: ({ id }) => <NotebookPage key={id} id={id} /> },
];

const DEFAULT_PATH = '/dashboards/revenue';

export function App() {
  const pathname = usePathname();
  const normalized = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  const isRoot = normalized === '/' || normalized === '';

  let match: { route: Route; params: Record<string, string> } | undefined;
  for (const route of ROUTES) {
    const params = matchPath(route.path, normalized);
    if (params) {
      match = { route, params };
      break;
    }
  }

  useEffect(() => {
    if (isRoot) navigate(DEFAULT_PATH, { replace: true });
  }, [isRoot]);

  useEffect(() => {
    document.title = match ? `${match.route.title} · Datadesk` : 'Datadesk';
  }, [match?.route.title]);

  return (
    <div className="app">
      <a className="skip-link" href="#main">Skip to content</a>
      <Header />
      <main id="main" className="main" tabIndex={-1}>
        {match ? match.route.render(match.params) : isRoot ? null : <NotFound />}
      </main>
    </div>
  );
}
