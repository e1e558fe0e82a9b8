// The signed-in user (null when anonymous), shared by the shell and the pages.
import { api, has, setCsrf } from './api.js';

export const app = {
  me: null,
  moved: false, // false until the first page rendered: focus moves to the title after that
  idleTimeout: 0, // seconds without a request after which the server ends the session
  onSession: null, // called when who is signed in may have changed (main.js)
  // Asks the server who we are; with a session cookie this also gives back the CSRF
  // token that writes must carry (so a reload keeps working).
  async refreshMe() {
    try {
      if (has('/api/v1/session', 'get')) {
        const { data } = await api('GET', '/api/v1/session');
        if (data?.csrf_token) setCsrf(data.csrf_token);
        this.me = data?.user?.role ? data.user : null;
        this.idleTimeout = data?.idle_timeout || 0;
      } else {
        const { data } = await api('GET', '/api/v1/me');
        this.me = data && data.role ? data : null;
      }
    } catch {
      this.me = null;
    }
    this.onSession?.();
    return this.me;
  },
};
