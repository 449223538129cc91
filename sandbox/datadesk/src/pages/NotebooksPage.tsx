import { PageHeader } from '../components/PageHeader';
import { createNotebook, useNotebooks } from '../notebooks/store';
import { Link, navigate } from '../router';

export function NotebooksPage() {
  const notebooks = useNotebooks();

  const onCreate = () => {
    const notebook = createNotebook();
    navigate(`/notebooks/${notebook.id}`);
  };

  return (
    <div className="page">
      <PageHeader
        title="Notebooks"
        description="Mix notes and queries against the orders, customers, products and regions tables. Saved in this browser."
        actions={<button type="button" className="button button-primary" onClick={onCreate}>New notebook</button>}
      />
      <p role="status" className="status-line">{notebooks.length} {notebooks.length === 1 ? 'notebook' : 'notebooks'}</p>
      <ul className="notebook-list" aria-label="Notebooks">
        {notebooks.map((nb) => {
          const queries = nb.cells.filter((c) => c.type === 'query').length;
          return (
            <li key={nb.id} className="notebook-item">
              <Link to={`/notebooks/${encodeURIComponent(nb.id)}`} className="notebook-link">{nb.title}</Link>
              <span className="notebook-meta">
                {nb.cells.length} cells · {queries} {queries === 1 ? 'query' : 'queries'} · updated {nb.updatedAt.slice(0, 10)}
              </span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
