import { MarkdownCell, type CellProps } from '../components/MarkdownCell';
import { QueryCell } from '../components/QueryCell';
import { TABLES } from '../query';
import { addCell, deleteCell, moveCell, updateCell } from '../notebooks/cells';
import { saveNotebook, useNotebooks } from '../notebooks/store';
import type { CellType, Notebook } from '../notebooks/types';
import { Link } from '../router';

export function NotebookPage({ id }: { id: string }) {
  const notebook = useNotebooks().find((nb) => nb.id === id);

  if (!notebook) {
    return (
      <div className="empty-state">
        <h1>Notebook not found</h1>
        <p>It may have been deleted, or it was saved in another browser.</p>
        <Link to="/notebooks" className="button">Back to notebooks</Link>
      </div>
    );
  }

  const update = (fn: (nb: Notebook) => Notebook) => saveNotebook(fn(notebook));
  const add = (type: CellType) => update((nb) => addCell(nb, type));

  return (
    <div className="page page-narrow">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/notebooks">Notebooks</Link> <span aria-hidden="true">/</span> <span>{notebook.title}</span>
      </nav>
      <div className="page-header">
        <div>
          <h1>{notebook.title}</h1>
          <p className="page-description">
            {notebook.cells.length} cells · Tables: <span className="table-names">{Object.keys(TABLES).map((t) => <code key={t}>{t}</code>)}</span>
          </p>
        </div>
      </div>

      <ol className="cells" aria-label="Cells">
        {notebook.cells.map((cell, index) => {
          const props: CellProps = {
            cell,
            index,
            isFirst: index === 0,
            isLast: index === notebook.cells.length - 1,
            onChange: (patch) => update((nb) => updateCell(nb, cell.id, patch)),
            onMove: (direction) => update((nb) => moveCell(nb, cell.id, direction)),
            onDelete: () => update((nb) => deleteCell(nb, cell.id)),
          };
          return <li key={cell.id}>{cell.type === 'query' ? <QueryCell {...props} /> : <MarkdownCell {...props} />}</li>;
        })}
      </ol>
      {notebook.cells.length === 0 && <p className="muted">This notebook is empty. Add a cell to get started.</p>}

      <div className="add-cell" role="group" aria-label="Add cell">
        <button type="button" className="button" aria-label="Add markdown cell" onClick={() => add('markdown')}>+ Markdown cell</button>
        <button type="button" className="button" aria-label="Add query cell" onClick={() => add('query')}>+ Query cell</button>
      </div>
    </div>
  );
}
