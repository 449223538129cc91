import { Link } from '../router';

export function Header() {
  return (
    <header className="header">
      <div className="header-inner">
        <Link to="/dashboards/revenue" className="brand" aria-label="Datadesk home">
          <span className="brand-mark" aria-hidden="true">
            <span /><span /><span />
          </span>
          <span className="brand-name">Datadesk</span>
        </Link>
        <nav className="nav" aria-label="Main">
          <span className="nav-group-label" id="nav-dashboards">Dashboards</span>
          <ul className="nav-list" aria-labelledby="nav-dashboards">
            <li><Link to="/dashboards/revenue" activeMatch="exact" className="nav-link">Revenue</Link></li>
            <li><Link to="/dashboards/orders" activeMatch="exact" className="nav-link">Orders</Link></li>
          </ul>
          <span className="nav-divider" aria-hidden="true" />
          <ul className="nav-list">
            <li><Link to="/notebooks" activeMatch="prefix" className="nav-link">Notebooks</Link></li>
          </ul>
        </nav>
      </div>
    </header>
  );
}
