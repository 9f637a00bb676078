import { useEffect, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useIsAuthenticated, useSessionUserId } from './api/resources/auth/hooks';
import { focusMainHeading } from './components/focus';
import { Header } from './components/Header';
import { PasskeyOffer } from './components/PasskeyOffer';
import { ReauthProvider } from './components/Reauth';
import { navigate, useHashRoute, type Route } from './hooks/useHashRoute';
import { AuthPage } from './pages/AuthPage';
import { ForgotPasswordPage } from './pages/ForgotPasswordPage';
import { ProfilePage } from './pages/ProfilePage';
import { ResetPasswordPage } from './pages/ResetPasswordPage';
import { SessionsPage } from './pages/SessionsPage';
import { TodosPage } from './pages/TodosPage';
import { clearSignOutNotice, pendingSignOutNotice, signOutNotice } from './signOutNotice';

/**
 * Shows the login screen whenever this tab holds no tokens. The token store is the single
 * source of truth: logout, a refused refresh, or another tab logging out all clear it.
 */
export function App() {
  const authenticated = useIsAuthenticated();
  const route = useHashRoute();
  const queryClient = useQueryClient();
  // A reload of the sign-in page still says why the last session ended.
  const [notice, setNotice] = useState<string | null>(() => (authenticated ? null : pendingSignOutNotice()));
  const wasAuthenticated = useRef(authenticated);
  const userId = useSessionUserId();
  const previousUserId = useRef(userId);

  useEffect(() => {
    if (wasAuthenticated.current && !authenticated) {
      // The logged-in pages are unmounted by now, so no query observer is orphaned.
      queryClient.clear(); // never show one user's data to the next
      setNotice(signOutNotice());
      navigate('login');
    } else if (!wasAuthenticated.current && authenticated) {
      setNotice(null);
      clearSignOutNotice();
      if (route === 'login' || route === 'register') navigate('todos');
    }
    wasAuthenticated.current = authenticated;
  }, [authenticated, queryClient, route]);

  // Another tab signed in as someone else: refetch everything as the new user.
  useEffect(() => {
    if (previousUserId.current && userId && previousUserId.current !== userId)
      void queryClient.resetQueries();
    previousUserId.current = userId;
  }, [userId, queryClient]);

  // What is on show; when it changes (a link, signing in or out), the focus goes to the new
  // page's main heading instead of staying on <body> where the old page's control was.
  const page = shownPage(route, authenticated);
  const shown = useRef(page);
  useEffect(() => {
    if (shown.current === page) return;
    shown.current = page;
    focusMainHeading();
  }, [page]);

  // A new sign-in attempt: the notice about the last session has said what it had to.
  const dropNotice = () => {
    setNotice(null);
    clearSignOutNotice();
  };

  // The mailed link works whether or not this browser is signed in (a reset ends every session).
  if (page === 'reset-password') {
    return (
      <ResetPasswordPage
        onDone={() => {
          setNotice(pendingSignOutNotice());
          navigate('login');
        }}
      />
    );
  }

  if (page === 'forgot-password') return <ForgotPasswordPage />;
  if (page === 'login' || page === 'register') {
    return <AuthPage key={page} mode={page} notice={notice} onAttempt={dropNotice} />;
  }
  return (
    <ReauthProvider>
      <div className="app">
        <Header route={page} />
        <PasskeyOffer />
        {page === 'profile' && <ProfilePage />}
        {page === 'sessions' && <SessionsPage />}
        {page === 'todos' && <TodosPage />}
      </div>
    </ReauthProvider>
  );
}

/** The page a route shows: the signed-out pages without a session, the signed-in ones with one. */
export function shownPage(route: Route | null, authenticated: boolean): Route {
  if (route === 'reset-password') return route;
  if (!authenticated) return route === 'forgot-password' || route === 'register' ? route : 'login';
  return route === 'profile' || route === 'sessions' ? route : 'todos';
}
