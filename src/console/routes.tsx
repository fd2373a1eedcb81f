// The console's pages and their paths (wouter): the nav and the routes from one list. Subscriptions, the first
// page, is in the first load; the others are loaded when first opened (React.lazy), keeping the first load small.
// Seat counts stay live whichever page is open (live-seats.ts).
// The server answers index.html for exactly these paths (CONSOLE_PAGES in src/http/console.ts).
import { type ComponentType, lazy, Suspense } from 'react';
import { Link, Route, Switch, useRoute } from 'wouter';
import { useLiveSeats } from './live-seats';
import { SubscriptionsPage } from './pages/SubscriptionsPage';

interface Page {
  readonly path: string;
  readonly title: string;
  readonly component: ComponentType;
}

const PAGES: readonly Page[] = [
  { path: '/', title: 'Subscriptions', component: SubscriptionsPage },
  {
    path: '/users',
    title: 'Users',
    component: lazy(() => import('./pages/UsersPage').then((m) => ({ default: m.UsersPage }))),
  },
  {
    path: '/licenses',
    title: 'Assign License',
    component: lazy(() => import('./pages/LicensesPage').then((m) => ({ default: m.LicensesPage }))),
  },
  {
    path: '/history',
    title: 'History',
    component: lazy(() => import('./pages/HistoryPage').then((m) => ({ default: m.HistoryPage }))),
  },
  {
    path: '/notifications',
    title: 'Notifications',
    component: lazy(() => import('./pages/NotificationsPage').then((m) => ({ default: m.NotificationsPage }))),
  },
];

function NavLink({ page }: { page: Page }) {
  const [current] = useRoute(page.path);
  return (
    <Link href={page.path} aria-current={current ? 'page' : undefined}>
      {page.title}
    </Link>
  );
}

export function ConsoleNav() {
  return (
    <nav aria-label="Console" className="nav">
      <ul>
        {PAGES.map((page) => (
          <li key={page.path}>
            <NavLink page={page} />
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function ConsoleRoutes() {
  // The counters stay live across pages, not only while Subscriptions is open.
  useLiveSeats();
  return (
    <Suspense fallback={<p aria-busy="true">Loading…</p>}>
      <Switch>
        {PAGES.map((page) => (
          <Route key={page.path} path={page.path} component={page.component} />
        ))}
        <Route>
          <h1>Not found</h1>
          <p>
            This page does not exist. <Link href="/">Back to Subscriptions</Link>
          </p>
        </Route>
      </Switch>
    </Suspense>
  );
}
