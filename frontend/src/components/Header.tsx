import { useIsFetching, useQueryClient } from '@tanstack/react-query';
import { useLogout } from '../api/resources/auth/hooks';
import { useMe } from '../api/resources/users/hooks';
import type { Route } from '../hooks/useHashRoute';
import { expectSignOut } from '../signOutNotice';

const LINKS: { route: Route; label: string }[] = [
  { route: 'todos', label: 'Todos' },
  { route: 'profile', label: 'Profile' },
  { route: 'sessions', label: 'Sessions' },
];

export function Header({ route }: { route: Route }) {
  const me = useMe();
  const logout = useLogout();
  const queryClient = useQueryClient();
  const fetching = useIsFetching() > 0;
  const name = me.data
    ? [me.data.first_name, me.data.last_name].filter(Boolean).join(' ') || me.data.email
    : '';

  function onLogout() {
    expectSignOut('logged_out');
    logout.mutate();
  }

  return (
    <header className="topbar">
      <a className="brand" href="#/todos">
        Todos
      </a>
      <nav className="nav" aria-label="Main">
        {LINKS.map((link) => (
          <a
            key={link.route}
            href={`#/${link.route}`}
            aria-current={route === link.route ? 'page' : undefined}
          >
            {link.label}
          </a>
        ))}
      </nav>
      <div className="who">
        <span className="user-name" data-testid="user-name" title={me.data?.email}>
          {name}
        </span>
        <button
          type="button"
          className="btn btn-small"
          data-testid="reload"
          aria-busy={fetching}
          onClick={() => void queryClient.invalidateQueries()}
          title="Reload everything from the server"
        >
          Reload
        </button>
        <button type="button" className="btn btn-small" disabled={logout.isPending} onClick={onLogout}>
          Sign out
        </button>
      </div>
    </header>
  );
}
