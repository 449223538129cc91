import { Link } from '../router';

export function NotFound() {
  return (
    <div className="empty-state">
      <h1>Page not found</h1>
      <p>There is nothing at this address.</p>
      <Link to="/dashboards/revenue" className="button">Go to the revenue dashboard</Link>
    </div>
  );
}
